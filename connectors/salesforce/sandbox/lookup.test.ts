import { describe, expect, it } from "vitest";
import type { StoredRecord } from "./schema.ts";
import { parseSoql, runSoql } from "./soql.ts";
import { OrgStore } from "./store.ts";

const ids = (records: StoredRecord[]) => records.map((r) => r.Id);
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(", ");

/** The indexed answer, checked against a scan of every record, and how many records it looked at. */
function indexed(store: OrgStore, soql: string): { ids: unknown[]; looked: number } {
  const query = parseSoql(soql);
  const candidates = store.candidates(query.type, query.where);
  const answer = ids(runSoql(query, candidates));
  expect(answer, soql).toEqual(ids(runSoql(query, store.all(query.type))));
  return { ids: answer, looked: candidates.length };
}

function seededOrg() {
  const store = new OrgStore();
  const individuals = Array.from({ length: 20 }, (_, i) => {
    const outcome = store.create("Individual", { LastName: `Ind${i}` });
    if (!outcome.ok) throw new Error("seed");
    return outcome.id;
  });
  const leads: string[] = [];
  const contacts: string[] = [];
  for (let i = 0; i < 300; i++) {
    // Emails repeat across records and casings, some people have none.
    const email = i % 10 === 9 ? null : `p${i % 120}@${i % 2 ? "Example.com" : "example.com"}`;
    const lead = store.create("Lead", {
      LastName: `L${i % 7}`,
      Company: "Acme",
      Email: email,
      IndividualId: i % 3 === 0 ? individuals[i % 20]! : null,
    });
    const contact = store.create("Contact", {
      LastName: `C${i}`,
      Email: i % 4 ? `p${i % 150}@example.com` : null,
      IndividualId: i % 5 === 0 ? individuals[i % 20]! : null,
    });
    if (lead.ok) leads.push(lead.id);
    if (contact.ok) contacts.push(contact.id);
  }
  return { store, individuals, leads, contacts };
}

function queries(org: ReturnType<typeof seededOrg>) {
  const emails = [
    "P1@EXAMPLE.COM",
    "p2@example.com",
    "p3@Example.com",
    "p119@example.com",
    "new@x.io",
    "nobody@x.io",
  ];
  const someIds = [
    org.leads[0]!,
    org.leads[1]!.slice(0, 15),
    org.leads[7]!,
    org.leads[299]!,
    "00Qshort",
  ];
  return [
    `SELECT Id FROM Lead WHERE Email IN (${quoted(emails)})`,
    `SELECT Id FROM Lead WHERE Email IN (${quoted(emails)}) AND IsConverted = false ORDER BY SystemModstamp ASC, Id ASC`,
    `SELECT Id FROM Contact WHERE Email IN (${quoted(emails)}) ORDER BY LastName DESC LIMIT 3`,
    "SELECT Id FROM Lead WHERE Email = 'p5@EXAMPLE.com'",
    `SELECT Id FROM Lead WHERE Id IN (${quoted(someIds)})`,
    `SELECT Id FROM Lead WHERE Id = '${org.leads[3]!.slice(0, 15)}'`,
    `SELECT Id FROM Contact WHERE IndividualId IN (${quoted(org.individuals.slice(0, 4))})`,
    `SELECT Id FROM Lead WHERE (Email = 'p6@example.com' OR Id = '${org.leads[10]}') LIMIT 2`,
    `SELECT Id FROM Lead WHERE Email IN (${quoted(emails)}) AND LastName = 'L1'`,
  ];
}

describe("indexed lookups in the simulated org", () => {
  it("answer = and IN on Id, Email and lookups exactly as a scan, looking at few records", () => {
    const org = seededOrg();
    for (const soql of queries(org)) expect(indexed(org.store, soql).looked).toBeLessThan(40);
  });

  it("fall back to the scan for filters the index cannot answer, with the same results", () => {
    const { store } = seededOrg();
    for (const soql of [
      "SELECT Id FROM Lead WHERE LastName = 'L1'",
      "SELECT Id FROM Lead WHERE Email NOT IN ('p1@example.com')",
      "SELECT Id FROM Lead WHERE Email = null",
      "SELECT Id FROM Lead WHERE Email IN ('p1@example.com', null)",
      "SELECT Id FROM Lead WHERE Email = 'p1@example.com' OR LastName = 'L2'",
      "SELECT Id FROM Lead WHERE Email LIKE 'p1%'",
    ])
      expect(indexed(store, soql).looked).toBe(store.all("Lead").length);
  });

  it("stay right after updates, conversions, deletes, cascades and merges", () => {
    const org = seededOrg();
    const { store, leads, contacts, individuals } = org;
    store.update("Lead", leads[1]!, { Email: "NEW@x.io" });
    store.update("Lead", leads[2]!, { Email: null });
    store.update("Lead", leads[3]!, { Email: "p1@example.com" });
    store.update("Contact", contacts[5]!, { IndividualId: individuals[1]! });
    store.markConverted(leads[4]!);
    store.delete("Lead", leads[7]!);
    // Deleting an Individual clears IndividualId on everyone who linked it.
    store.delete("Individual", individuals[0]!);
    expect(store.merge("Lead", leads[0]!, [leads[120]!, leads[240]!])).toBe(true);
    for (const soql of queries(org)) indexed(store, soql);
    expect(indexed(store, "SELECT Id FROM Lead WHERE Email = 'new@X.IO'").ids).toEqual([leads[1]]);
    expect(indexed(store, `SELECT Id FROM Lead WHERE Id = '${leads[7]}'`).ids).toEqual([]);
    expect(
      indexed(store, `SELECT Id FROM Contact WHERE IndividualId = '${individuals[0]}'`).ids,
    ).toEqual([]);
    expect(store.get("Lead", leads[120]!.slice(0, 15))).toBeUndefined();
    expect(store.get("Lead", leads[5]!.slice(0, 15))?.Id).toBe(leads[5]);
    expect(store.isDeleted(leads[240]!.slice(0, 15))).toBe(true);
  });

  it("keeps unique and external-id checks on the index: a deleted key can be used again", () => {
    const store = new OrgStore();
    const first = store.create("Task", { Subject: "a", Tsunagu_Key__c: "k-1" });
    expect(store.create("Task", { Subject: "b", Tsunagu_Key__c: "K-1" })).toMatchObject({
      ok: false,
      errors: [{ statusCode: "DUPLICATE_VALUE" }],
    });
    expect(store.findBy("Task", "Tsunagu_Key__c", "K-1").map((r) => r.Id)).toEqual([
      first.ok && first.id,
    ]);
    if (first.ok) store.delete("Task", first.id);
    expect(store.findBy("Task", "Tsunagu_Key__c", "k-1")).toEqual([]);
    expect(store.create("Task", { Subject: "c", Tsunagu_Key__c: "k-1" }).ok).toBe(true);
  });
});
