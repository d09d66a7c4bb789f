import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Contact, Link } from "../../src/core/contact.ts";
import { mergeContacts, splitContact } from "../../src/core/merge.ts";
import { survive } from "../../src/core/survivorship.ts";
import { shippedMappings } from "../helpers/mappings.ts";

const { rules } = shippedMappings();
const SYSTEMS = ["hubspot", "salesforce", "marketo"] as const;
const FIELDS = ["email", "firstName", "lastName", "company", "title", "phone"] as const;

const observed = fc.dictionary(
  fc.constantFrom(...FIELDS),
  fc.record({
    value: fc.option(fc.constantFrom("a", "b", "Acme", "x@y.example"), { nil: null }),
    at: fc.integer({ min: 1, max: 1000 }),
  }),
);

const links = (prefix: string) =>
  fc.uniqueArray(
    fc.record({
      system: fc.constantFrom(...SYSTEMS),
      externalId: fc.integer({ min: 1, max: 9 }).map((n) => `${prefix}${n}`),
      observed,
    }),
    { minLength: 1, maxLength: 3, selector: (l) => `${l.system}/${l.externalId}` },
  );

const person = (id: string, list: Omit<Link, "object" | "lastSyncedAt">[], createdAt: number) => {
  const all: Link[] = list.map((l) => ({ ...l, object: "record", lastSyncedAt: null }));
  return {
    id,
    links: all,
    golden: survive(all, rules),
    createdAt,
    updatedAt: createdAt,
  } as Contact;
};

describe("merge and unmerge", () => {
  it("a merge keeps every link, its golden record does not depend on who won, and unmerge gives each person back their own links and golden record", () => {
    fc.assert(
      fc.property(links("a"), links("b"), (la, lb) => {
        const a = person("A", la, 1);
        const b = person("B", lb, 2);
        const merged = mergeContacts(a, b, rules, 10);
        expect(merged.links).toHaveLength(la.length + lb.length);
        expect(merged.golden).toEqual(mergeContacts(b, a, rules, 10).golden);
        expect(merged.createdAt).toBe(1);
        const split = splitContact(merged, b, rules, 20);
        expect(split.winner.links).toEqual(a.links);
        expect(split.loser.links).toEqual(b.links);
        expect(split.winner.golden).toEqual(a.golden);
        expect(split.loser.golden).toEqual(b.golden);
      }),
      { numRuns: 300 },
    );
  });

  it("a value only one of the two people holds survives their merge, whoever wins, until someone clears it after", () => {
    fc.assert(
      fc.property(links("a"), links("b"), (la, lb) => {
        const a = person("A", la, 1);
        const b = person("B", lb, 2);
        const merged = mergeContacts(a, b, rules, 10);
        for (const field of FIELDS) {
          const held = (c: Contact) => c.golden[field]?.value != null;
          // A field one system always decides stays that system's, blank or not.
          if (held(a) === held(b) || rules(field).startsWith("always_")) continue;
          expect(merged.golden[field]?.value ?? null).not.toBeNull();
        }
        // A blank observed after the merge clears the field as it would for anyone.
        const [first] = merged.links;
        const cleared = {
          ...first!,
          observed: Object.fromEntries(FIELDS.map((f) => [f, { value: null, at: 5000 }])),
        };
        const after = survive([cleared, ...merged.links.slice(1)], rules);
        for (const field of FIELDS)
          if (rules(field) === "two_way") expect(after[field]?.value ?? null).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});
