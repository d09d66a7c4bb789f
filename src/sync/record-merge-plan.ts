import type { SystemName } from "../../connectors/contract.ts";
import { type Contact, type Link, linkKey } from "../core/contact.ts";

/** Records of one person to fold into one inside their system, after the hub merged people. */
export interface PlannedRecordMerge {
  contactId: string;
  system: SystemName;
  object: string;
  primaryId: string;
  mergedIds: string[];
}

/** What the plan needs of a merge into the person: who was merged in, with which records. */
export interface MergedIn {
  loser: Pick<Contact, "links">;
  createdAt: number;
  undoneAt: number | null;
}

/** Rows of an imported file are never written to, let alone merged. */
const mergeable = (link: Link, canMerge: (system: SystemName) => boolean) =>
  !link.system.startsWith("csv:") && canMerge(link.system);

/** Whether the person has more than one record of one object in a system that can merge. */
export function holdsSeveral(contact: Contact, canMerge: (system: SystemName) => boolean) {
  const seen = new Set<string>();
  for (const link of contact.links) {
    if (!mergeable(link, canMerge)) continue;
    const key = `${link.system}/${link.object}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/**
 * The merges inside systems that carry the hub's merges of this person: per system and
 * object (a Salesforce Lead is never merged with a Contact), the records that came from
 * different people merged in the hub become one. Records a person held in one system
 * before any merge (two Leads with one email, joined by that key) are left as they are
 * unless a merge brought another record there too. The primary is the record the person
 * held before the merges (the winner's), else the one brought by the oldest merge.
 */
export function planRecordMerges(
  contact: Contact,
  history: readonly MergedIn[],
  canMerge: (system: SystemName) => boolean,
): PlannedRecordMerge[] {
  const origin = new Map<string, number>();
  const merges = history.filter((m) => m.undoneAt === null);
  [...merges]
    .sort((x, y) => x.createdAt - y.createdAt)
    .forEach((merge, i) => {
      for (const link of merge.loser.links)
        if (!origin.has(linkKey(link))) origin.set(linkKey(link), i + 1);
    });
  const rank = (link: Link) => origin.get(linkKey(link)) ?? 0;
  const groups = new Map<string, Link[]>();
  for (const link of contact.links) {
    if (!mergeable(link, canMerge)) continue;
    const key = `${link.system}/${link.object}`;
    groups.set(key, [...(groups.get(key) ?? []), link]);
  }
  const plans: PlannedRecordMerge[] = [];
  for (const group of groups.values()) {
    if (group.length < 2 || new Set(group.map(rank)).size < 2) continue;
    const primary = group.reduce((best, link) => (rank(link) < rank(best) ? link : best));
    plans.push({
      contactId: contact.id,
      system: primary.system,
      object: primary.object,
      primaryId: primary.externalId,
      mergedIds: group.filter((l) => l !== primary).map((l) => l.externalId),
    });
  }
  return plans;
}

/** Key of a record a plan folds away, as `system/object/externalId`. */
export const recordKey = (system: string, object: string, externalId: string) =>
  `${system}/${object}/${externalId}`;

/** The person's links once the system made the merge: the others gone, the survivor in the primary's place. */
export function relinked(links: readonly Link[], plan: PlannedRecordMerge, survivorId: string) {
  const gone = new Set(plan.mergedIds.map((id) => recordKey(plan.system, plan.object, id)));
  return links
    .filter((l) => !gone.has(recordKey(l.system, l.object, l.externalId)))
    .map((l) =>
      l.system === plan.system && l.object === plan.object && l.externalId === plan.primaryId
        ? { ...l, externalId: survivorId }
        : l,
    );
}
