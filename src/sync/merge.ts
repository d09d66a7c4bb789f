import type { SourceRecord } from "../../connectors/contract.ts";
import type { Contact } from "../core/contact.ts";
import { mergeContacts, splitContact } from "../core/merge.ts";
import type { MergeRow } from "../store/contacts.ts";
import { type PipelineDeps, publishPeople, unlinkRecords } from "./pipeline.ts";

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
  await deps.store.duplicates.dropPendingOf(loserId);
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
  // Undoing a merge says "these are two people": the matcher must not merge them again.
  await deps.store.duplicates.decide(split.winner.id, split.loser.id, {
    status: "dismissed",
    at: now,
    by: "unmerge",
    id: deps.newId(),
  });
  await publishPeople(deps, [split.winner.id, split.loser.id]);
  return { ...split, merge };
}

export type PairDecision =
  | { ok: true; contact?: Contact }
  | { ok: false; reason: "not_found" | "decided" | "person_gone" };

/** A reviewer merges a queued pair: the older person survives, the pair's evidence goes in the history. */
export async function mergeDuplicate(
  deps: PipelineDeps,
  pairId: string,
  by: string,
): Promise<PairDecision> {
  const pair = await deps.store.duplicates.get(pairId);
  if (!pair) return { ok: false, reason: "not_found" };
  if (pair.status !== "pending") return { ok: false, reason: "decided" };
  const people = await deps.store.contacts.load([pair.a, pair.b]);
  if (people.length < 2) return { ok: false, reason: "person_gone" };
  const [winner, loser] = people.sort(
    (x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1),
  );
  const evidence = { pair: pair.id, probability: pair.probability, evidence: pair.evidence };
  const merged = await mergePeople(deps, winner!.id, loser!.id, `review:${by}`, evidence);
  await deps.store.duplicates.decide(pair.a, pair.b, {
    status: "merged",
    at: deps.now(),
    by,
    id: pair.id,
  });
  await publishPeople(deps, [winner!.id]);
  return { ok: true, ...(merged ? { contact: merged } : {}) };
}

/** A reviewer says a queued pair are two people; the matcher never proposes them again. */
export async function dismissDuplicate(
  deps: PipelineDeps,
  pairId: string,
  by: string,
): Promise<PairDecision> {
  const pair = await deps.store.duplicates.get(pairId);
  if (!pair) return { ok: false, reason: "not_found" };
  if (pair.status !== "pending") return { ok: false, reason: "decided" };
  await deps.store.duplicates.decide(pair.a, pair.b, {
    status: "dismissed",
    at: deps.now(),
    by,
    id: pair.id,
  });
  await publishPeople(deps, [pair.a, pair.b]);
  return { ok: true };
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
