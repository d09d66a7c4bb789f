import { describe, expect, it } from "vitest";
import type { Contact, Link } from "../../src/core/contact.ts";
import { planRecordMerges, relinked } from "../../src/sync/record-merge-plan.ts";

const link = (system: Link["system"], object: string, externalId: string): Link => ({
  system,
  object,
  externalId,
  observed: {},
  lastSyncedAt: null,
});
const person = (links: Link[]): Contact => ({
  id: "p",
  golden: {},
  links,
  createdAt: 0,
  updatedAt: 0,
});
const merged = (links: Link[], createdAt = 1, undoneAt: number | null = null) => ({
  loser: { links },
  createdAt,
  undoneAt,
});
const all = () => true;

describe("which records a hub merge folds together inside their systems", () => {
  it("the records two merged people had in one system become one, the winner's surviving", () => {
    const theirs = [link("hubspot", "contact", "h2"), link("salesforce", "Lead", "l2")];
    const contact = person([
      link("hubspot", "contact", "h1"),
      link("salesforce", "Lead", "l1"),
      ...theirs,
    ]);
    expect(planRecordMerges(contact, [merged(theirs)], all)).toEqual([
      { contactId: "p", system: "hubspot", object: "contact", primaryId: "h1", mergedIds: ["h2"] },
      { contactId: "p", system: "salesforce", object: "Lead", primaryId: "l1", mergedIds: ["l2"] },
    ]);
  });

  it("records one person held in a system before any merge (joined by one email) are left alone", () => {
    const contact = person([link("salesforce", "Lead", "l1"), link("salesforce", "Lead", "l2")]);
    expect(planRecordMerges(contact, [], all)).toEqual([]);
  });

  it("never merges a Lead with a Contact, a CSV row, a system that cannot merge, or after an unmerge", () => {
    const theirs = [
      link("salesforce", "Contact", "c2"),
      link("csv:febrl", "row", "r2"),
      link("marketo", "lead", "m2"),
    ];
    const contact = person([
      link("salesforce", "Lead", "l1"),
      link("csv:febrl", "row", "r1"),
      link("marketo", "lead", "m1"),
      ...theirs,
    ]);
    expect(planRecordMerges(contact, [merged(theirs)], (s) => s !== "marketo")).toEqual([]);
    const both = person([link("hubspot", "contact", "h1"), link("hubspot", "contact", "h2")]);
    const undone = merged([link("hubspot", "contact", "h2")], 1, 5);
    expect(planRecordMerges(both, [undone], all)).toEqual([]);
  });

  it("without a record of the winner there, the one brought by the oldest merge survives", () => {
    const first = [link("marketo", "lead", "m7")];
    const second = [link("marketo", "lead", "m3")];
    const contact = person([link("hubspot", "contact", "h1"), ...second, ...first]);
    expect(planRecordMerges(contact, [merged(second, 9), merged(first, 2)], all)).toEqual([
      { contactId: "p", system: "marketo", object: "lead", primaryId: "m7", mergedIds: ["m3"] },
    ]);
  });

  it("after the system's merge the others leave the crosswalk and the survivor takes the primary's place", () => {
    const links = [link("hubspot", "contact", "h1"), link("hubspot", "contact", "h2")];
    links[0]!.observed = { firstName: { value: "Ada", at: 1 } };
    const plan = {
      contactId: "p",
      system: "hubspot" as const,
      object: "contact",
      primaryId: "h1",
      mergedIds: ["h2"],
    };
    expect(relinked(links, plan, "h9")).toEqual([{ ...links[0], externalId: "h9" }]);
  });
});
