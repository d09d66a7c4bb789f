import type { SourceRecord } from "../../connectors/contract.ts";
import type { Contact } from "../core/contact.ts";
import { mergeContacts, splitContact } from "../core/merge.ts";
import type { MergeRow } from "../store/contacts.ts";
import { type PipelineDeps, unlinkRecords } from "./pipeline.ts";

type Ref = Pick<SourceRecord, "system" | "object" | "externalId">;

/** Makes two people one; the history row keeps what is needed to undo it. */
export async function mergePeople(
  deps: PipelineDeps,
  winnerId: string,
  loserId: string,
  reason: string,
  evidence: unknown = null,
): Promise<Contact | undefined> {
  if (winnerId === loserId) return undefined;
  const [winner, loser] = await Promise.all([
    deps.store.contacts.get(winnerId),
    deps.store.contacts.get(loserId),
  ]);
  if (!winner || !loser) return undefined;
  const now = deps.now();
  const merged = mergeContacts(winner, loser, deps.mappings.rules, now);
  await deps.store.contacts.mergeInto(merged, loser, {
    id: deps.newId(),
    winnerId,
    loser,
    reason,
    evidence,
    createdAt: now,
  });
  return merged;
}

/** Undoes the given merge into this person, or the most recent one not yet undone. */
export async function unmergePeople(
  deps: PipelineDeps,
  contactId: string,
  mergeId?: string,
): Promise<{ winner: Contact; loser: Contact; merge: MergeRow } | undefined> {
  const history = await deps.store.contacts.mergesInto(contactId);
  const merge = mergeId
    ? history.find((m) => m.id === mergeId)
    : history.find((m) => m.undoneAt === null);
  const winner = await deps.store.contacts.get(contactId);
  if (!merge || merge.undoneAt !== null || !winner) return undefined;
  const now = deps.now();
  const split = splitContact(winner, merge.loser, deps.mappings.rules, now);
  await deps.store.contacts.unmerge(merge, split.winner, split.loser, now);
  return { ...split, merge };
}

/**
 * A merge done inside a source system (HubSpot contact.merge): the people behind the merged
 * records are one person in the hub too, and the merged-away records no longer exist.
 */
export async function followSourceMerge(
  deps: PipelineDeps,
  primary: Ref,
  merged: Ref[],
): Promise<void> {
  const [survivor] = await deps.store.contacts.loadFor([primary], []);
  for (const ref of merged) {
    const [other] = await deps.store.contacts.loadFor([ref], []);
    if (survivor && other)
      await mergePeople(deps, survivor.id, other.id, `${ref.system}:merge`, {
        primary,
        merged: ref,
      });
  }
  await unlinkRecords(deps, merged);
}
