import { describe, expect, it } from "vitest";
import { runSearch, type SearchFilter } from "./search.ts";
import { searchCandidates } from "./search-candidates.ts";
import { ContactStore } from "./store.ts";

function store(): ContactStore {
  const s = new ContactStore();
  for (let i = 0; i < 400; i++)
    s.create(
      {
        email: i % 10 === 9 ? "" : `p${i}@${i % 2 ? "Example.com" : "example.com"}`,
        city: `c${i % 5}`,
      },
      "INTEGRATION",
      { silent: true },
    );
  return s;
}

/** The answer through the index, checked against a search over every contact. */
function search(s: ContactStore, groups: SearchFilter[][]) {
  const request = {
    filterGroups: groups.map((filters) => ({ filters })),
    sorts: [{ propertyName: "lastmodifieddate", direction: "ASCENDING" as const }],
  };
  const candidates = searchCandidates(s, request.filterGroups);
  const ids = runSearch(candidates, request, s.catalog).map((c) => c.id);
  expect(ids).toEqual(runSearch(s.all(), request, s.catalog).map((c) => c.id));
  return { ids, looked: candidates.length };
}

const email = (operator: "EQ" | "IN", ...values: string[]): SearchFilter =>
  operator === "EQ"
    ? { propertyName: "email", operator, value: values[0] }
    : { propertyName: "email", operator, values };
const byId = (operator: "EQ" | "IN", ...values: string[]): SearchFilter =>
  operator === "EQ"
    ? { propertyName: "hs_object_id", operator, value: values[0] }
    : { propertyName: "hs_object_id", operator, values };

const requests: SearchFilter[][][] = [
  [[email("EQ", "P1@EXAMPLE.COM")]],
  [[email("IN", "p2@example.com", "P3@example.com", "p9@example.com", "nobody@x.io")]],
  [
    [
      email("IN", "p4@example.com", "p5@example.com"),
      { propertyName: "city", operator: "EQ", value: "C4" },
    ],
  ],
  [[byId("EQ", "1001")], [byId("IN", "01002", "1003.0", "abc", "99999")]],
  [[email("EQ", "p6@example.com")], [byId("EQ", "1010")]],
  [[email("EQ", "")]],
  [[email("IN")]],
];

describe("search by email and hs_object_id", () => {
  it("answers EQ and IN from the id and email maps, exactly as a full search does", () => {
    const s = store();
    for (const groups of requests) expect(search(s, groups).looked).toBeLessThan(10);
  });

  it("scans when a filter group has no EQ/IN on email or hs_object_id, with the same answer", () => {
    const s = store();
    for (const groups of [
      [[{ propertyName: "city", operator: "EQ" as const, value: "c1" }]],
      [
        [email("EQ", "p1@example.com")],
        [{ propertyName: "city", operator: "EQ" as const, value: "c2" }],
      ],
      [[{ propertyName: "email", operator: "NEQ" as const, value: "p1@example.com" }]],
    ])
      expect(search(s, groups).looked).toBe(s.size);
  });

  it("stays right after email changes, archives and GDPR deletes", () => {
    const s = store();
    s.update("1002", { email: "changed@x.io" }, "INTEGRATION");
    s.update("1004", { email: "" }, "INTEGRATION");
    s.update("1009", { email: "P9@example.com" }, "INTEGRATION");
    s.archive("1006", "INTEGRATION");
    s.privacyDelete("1001", "INTEGRATION");
    for (const groups of requests) search(s, groups);
    expect(search(s, [[email("EQ", "CHANGED@x.io")]]).ids).toEqual(["1002"]);
    expect(search(s, [[email("IN", "p1@example.com", "p5@example.com")]]).ids).toEqual([]);
    expect(search(s, [[byId("IN", "1001", "1006")]]).ids).toEqual([]);
    expect(search(s, [[email("EQ", "p9@EXAMPLE.com")]]).ids).toEqual(["1009"]);
  });
});
