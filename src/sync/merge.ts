import type { SourceRecord } from "../../connectors/contract.ts";
import { type Contact, linkKey } from "../core/contact.ts";
import {
  type MatchingConfig,
  type MatchRecord,
  matchRecords,
  type Pair,
} from "../core/matching/index.ts";
import { mergeContacts, splitContact } from "../core/merge.ts";
import type { MergeRow } from "../store/contacts.ts";
import type { DuplicateRow } from "../store/duplicates.ts";
import { matchRecordOf, olderFirst, shareASystem } from "./dedupe.ts";
import {
  addCounts,
  type BatchCounts,
  type PipelineDeps,
  publishPeople,
  unlinkRecords,
} from "./pipeline.ts";
import { recordKey } from "./record-merge-plan.ts";

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

/** A merge of two people made in the hub, then carried into every system holding both (publishing does that). */
export async function mergeEverywhere(
  deps: PipelineDeps,
  winnerId: string,
  loserId: string,
  reason: string,
  evidence: unknown = null,
): Promise<Contact | undefined> {
  const merged = await mergePeople(deps, winnerId, loserId, reason, evidence);
  if (!merged) return undefined;
  await publishPeople(deps, [merged.id]);
  return (await deps.store.contacts.get(merged.id)) ?? merged;
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
  split.loser = await withFoldedRecordsValues(deps, winner.id, merge.loser, split.loser);
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

/**
 * No system can undo a merge (HubSpot, Salesforce and Marketo have no unmerge), so a
 * split-off person whose records the hub merged away inside systems has no record left
 * there: they keep the values they had (their golden record before the merge) and are
 * created anew in those systems when published. The survivor there keeps the history of both.
 */
async function withFoldedRecordsValues(
  deps: PipelineDeps,
  winnerId: string,
  before: Contact,
  restored: Contact,
): Promise<Contact> {
  const folded = new Set(
    (await deps.store.recordMerges.forContact(winnerId))
      .filter((row) => row.status === "merged")
      .flatMap((row) => row.mergedIds.map((id) => recordKey(row.system, row.object, id))),
  );
  const lost = before.links.some(
    (l) =>
      folded.has(recordKey(l.system, l.object, l.externalId)) &&
      !restored.links.some((r) => linkKey(r) === linkKey(l)),
  );
  return lost ? { ...restored, golden: { ...before.golden, ...restored.golden } } : restored;
}

export type PairDecision =
  | { ok: true; contact?: Contact }
  | { ok: false; reason: "not_found" | "decided" | "person_gone" };

type Failure = Extract<PairDecision, { ok: false }>;

/** The pair, if it is still waiting for a decision. */
async function pendingPair(deps: PipelineDeps, pairId: string): Promise<DuplicateRow | Failure> {
  const pair = await deps.store.duplicates.get(pairId);
  if (!pair) return { ok: false, reason: "not_found" };
  if (pair.status !== "pending") return { ok: false, reason: "decided" };
  return pair;
}

/** A reviewer merges a queued pair: the older person survives, the pair's evidence goes in the history. */
export async function mergeDuplicate(
  deps: PipelineDeps,
  pairId: string,
  by: string,
): Promise<PairDecision> {
  const pair = await pendingPair(deps, pairId);
  if ("ok" in pair) return pair;
  const people = await deps.store.contacts.load([pair.a, pair.b]);
  if (people.length < 2) return { ok: false, reason: "person_gone" };
  const [winner, loser] = olderFirst(people[0]!, people[1]!);
  // Decided first, so the pair's row is kept (as merged) rather than dropped with the loser's.
  await deps.store.duplicates.decide(pair.a, pair.b, {
    status: "merged",
    at: deps.now(),
    by,
    id: pair.id,
  });
  const evidence = { pair: pair.id, probability: pair.probability, evidence: pair.evidence };
  const merged = await mergeEverywhere(deps, winner.id, loser.id, `review:${by}`, evidence);
  return { ok: true, ...(merged ? { contact: merged } : {}) };
}

/** A reviewer says a queued pair are two people; the matcher never proposes them again. */
export async function dismissDuplicate(
  deps: PipelineDeps,
  pairId: string,
  by: string,
): Promise<PairDecision> {
  const pair = await pendingPair(deps, pairId);
  if ("ok" in pair) return pair;
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
  let followed = false;
  for (const ref of merged) {
    const [other] = await deps.store.contacts.loadFor([ref], []);
    if (survivor && other && other.id !== survivor.id) {
      await mergePeople(deps, survivor.id, other.id, `${ref.system}:merge`, {
        primary,
        merged: ref,
      });
      followed = true;
    }
  }
  await unlinkRecords(deps, merged);
  // The people are one now: their records in the other systems are merged there too. A
  // merge the hub made itself comes back here with its records already relinked: a no-op.
  if (survivor && followed) await publishPeople(deps, [survivor.id]);
}

/**
 * Matches everyone against everyone (blocked, near-linear), with a model fitted on the
 * whole store: for a store filled before matching was on, after `matching.json` changed, or
 * to catch pairs the person-by-person matcher could not see. Decisions as online: merge at
 * or above autoMerge unless both have a record in one system, else review; pairs people
 * decided are left alone. Merged people are written out afterwards.
 */
export async function scanForDuplicates(
  deps: PipelineDeps,
  options: ScanOptions,
): Promise<BatchCounts> {
  const people = new Map<string, Contact>();
  for (let after: string | undefined; ; ) {
    const page = await deps.store.contacts.list(1000, after);
    if (page.length === 0) break;
    for (const contact of page) people.set(contact.id, contact);
    after = page.at(-1)!.id;
  }
  const records = [...people.values()].map(matchRecordOf);
  const { config } = deps.identity;
  const pairs = options.pairsElsewhere
    ? await options.pairsElsewhere(records, config)
    : matchRecords(records, config, { includeDistinct: false }).pairs;
  const counts: BatchCounts = { read: people.size, candidates: pairs.length };
  const survivorOf = new Map<string, string>();
  const current = (id: string): string => {
    let at = id;
    while (survivorOf.has(at)) at = survivorOf.get(at)!;
    return at;
  };
  const winners = new Set<string>();
  const sorted = pairs.sort((x, y) => y.probability - x.probability);
  for (let i = 0; i < sorted.length; i += SCAN_PAIRS_PER_TASK)
    await options.bulk(() => decide(sorted.slice(i, i + SCAN_PAIRS_PER_TASK)));
  const published = [...winners].filter((id) => people.has(id));
  for (let i = 0; i < published.length; i += 200)
    addCounts(counts, await options.bulk(() => publishPeople(deps, published.slice(i, i + 200))));
  return counts;

  async function decide(part: Pair[]) {
    for (const pair of part) {
      const [a, b] = [people.get(current(pair.a)), people.get(current(pair.b))];
      if (!a || !b || a.id === b.id) continue;
      const decided = await deps.store.duplicates.forPair(a.id, b.id);
      if (decided && decided.status !== "pending") continue;
      if (pair.decision === "merge" && !shareASystem(a, b)) {
        const [winner, loser] = olderFirst(a, b);
        const evidence = {
          probability: pair.probability,
          weight: pair.weight,
          evidence: pair.evidence,
        };
        // Decided first, so a pending row for this pair is kept (as merged) rather than dropped.
        await deps.store.duplicates.decide(
          a.id,
          b.id,
          { status: "merged", at: deps.now(), by: "matcher:scan", id: deps.newId() },
          pair,
        );
        const merged = await mergePeople(deps, winner.id, loser.id, "matcher:scan", evidence);
        if (!merged) continue;
        people.set(winner.id, merged);
        people.delete(loser.id);
        survivorOf.set(loser.id, winner.id);
        winners.add(winner.id);
        counts.merged = (counts.merged ?? 0) + 1;
      } else {
        await deps.store.duplicates.propose({
          id: deps.newId(),
          a: a.id,
          b: b.id,
          probability: pair.probability,
          evidence: pair.evidence,
          createdAt: deps.now(),
        });
        counts.review = (counts.review ?? 0) + 1;
      }
    }
  }
}

/** Pairs decided per bulk task: notices wait for at most one such task, never the scan. */
const SCAN_PAIRS_PER_TASK = 100;

/** Scores every candidate pair of these records somewhere other than this thread (Node: a thread). */
export type PairsElsewhere = (
  records: readonly MatchRecord[],
  config: MatchingConfig,
) => Promise<Pair[]>;

export interface ScanOptions {
  /** Runs a part of the scan's writes in the bulk lane. */
  bulk: <T>(task: () => Promise<T>) => Promise<T>;
  /** Where to block and score the whole store; in this thread without it. */
  pairsElsewhere?: PairsElsewhere;
}
