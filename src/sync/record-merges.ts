import type {
  Connector,
  RecordMergeCapable,
  RecordMergeResult,
  SourceRecord,
  SystemName,
} from "../../connectors/contract.ts";
import type { Contact } from "../core/contact.ts";
import { survive } from "../core/survivorship.ts";
import type { FailedWrite } from "../store/dead-letters.ts";
import type { RecordMergeRow } from "../store/record-merges.ts";
import type { BatchCounts, PipelineDeps } from "./pipeline.ts";
import {
  holdsSeveral,
  type PlannedRecordMerge,
  planRecordMerges,
  recordKey,
  relinked,
} from "./record-merge-plan.ts";

type Merging = Connector & RecordMergeCapable;

const mergerOf = (deps: PipelineDeps, system: SystemName): Merging | undefined => {
  const connector = deps.connectors.get(system) as Partial<Merging> | undefined;
  return typeof connector?.mergeRecords === "function" ? (connector as Merging) : undefined;
};

/**
 * The merges inside systems these people need after merges in the hub. A merge a system
 * refused for good is not asked again while its dead letter is open: an operator's replay
 * closes the letter, and the next publish asks again.
 */
export async function plannedRecordMerges(
  deps: PipelineDeps,
  contacts: readonly Contact[],
): Promise<PlannedRecordMerge[]> {
  const canMerge = (system: SystemName) => mergerOf(deps, system) !== undefined;
  const plans: PlannedRecordMerge[] = [];
  for (const contact of contacts) {
    if (!holdsSeveral(contact, canMerge)) continue;
    const planned = planRecordMerges(
      contact,
      await deps.store.contacts.mergesInto(contact.id),
      canMerge,
    );
    if (planned.length === 0) continue;
    const refused = await deps.store.recordMerges.refusedFor(contact.id);
    plans.push(...planned.filter((plan) => !refused.has(`${plan.system}/${plan.object}`)));
  }
  return plans;
}

/**
 * Makes the planned merges in their systems (one call per system and batch) and relinks the
 * people: the merged-away records leave the crosswalk, the survivor takes the primary's
 * place. Each merge is audited; a failure becomes a dead letter (retried like a write when
 * it can pass later) and leaves the person's links as they were: the hub's merge stands.
 */
export async function mergeInSystems(
  deps: PipelineDeps,
  contacts: ReadonlyMap<string, Contact>,
  plans: readonly PlannedRecordMerge[],
): Promise<BatchCounts> {
  const counts: BatchCounts = {};
  const bySystem = new Map<SystemName, PlannedRecordMerge[]>();
  for (const plan of plans) bySystem.set(plan.system, [...(bySystem.get(plan.system) ?? []), plan]);
  const audit: RecordMergeRow[] = [];
  const letters: FailedWrite[] = [];
  await Promise.all(
    [...bySystem].map(async ([system, list]) => {
      const results = await mergerOf(deps, system)!
        .mergeRecords(
          list.map((plan, i) => ({
            ref: String(i),
            object: plan.object,
            primaryId: plan.primaryId,
            mergedIds: plan.mergedIds,
          })),
        )
        .catch((error: unknown): RecordMergeResult[] =>
          list.map((_, i) => ({
            ref: String(i),
            ok: false,
            error: {
              code: "MERGE_CALL_FAILED",
              message: error instanceof Error ? error.message : String(error),
              retryable: true,
            },
          })),
        );
      const now = deps.now();
      list.forEach((plan, i) => {
        const result = results.find((r) => r.ref === String(i));
        const contact = contacts.get(plan.contactId);
        const row = {
          id: deps.newId(),
          contactId: plan.contactId,
          system,
          object: plan.object,
          primaryId: plan.primaryId,
          mergedIds: plan.mergedIds,
          createdAt: now,
        };
        if (result?.ok && contact) {
          const survivorId = result.externalId ?? plan.primaryId;
          contact.links = relinked(contact.links, plan, survivorId);
          contact.golden = survive(contact.links, deps.mappings.rules);
          contact.updatedAt = now;
          audit.push({ ...row, survivorId, status: "merged", error: null });
          counts[`${system}.merge`] = (counts[`${system}.merge`] ?? 0) + 1;
          return;
        }
        const error = result?.error ?? {
          code: "UNKNOWN",
          message: "no result for this merge",
          retryable: false,
        };
        audit.push({ ...row, survivorId: null, status: "failed", error });
        counts.failed = (counts.failed ?? 0) + 1;
        letters.push({
          id: deps.newId(),
          contactId: plan.contactId,
          system,
          object: plan.object,
          externalId: plan.primaryId,
          operation: "merge",
          error: { code: error.code, message: error.message },
          retryable: error.retryable,
          createdAt: now,
        });
      });
    }),
  );
  await deps.store.recordMerges.add(audit);
  await deps.store.deadLetters.add(letters);
  return counts;
}

/**
 * Drops records the hub merged away in their system: one read before its merge (a batch
 * that fetched it just before another batch merged it) would otherwise be linked again,
 * and every later write to it would fail. Rows of imported files are never merged.
 */
export async function withoutMergedAway(
  deps: PipelineDeps,
  records: SourceRecord[],
): Promise<SourceRecord[]> {
  const inSystems = records.filter((r) => !r.system.startsWith("csv:"));
  if (inSystems.length === 0) return records;
  const away = await deps.store.recordMerges.mergedAway(inSystems);
  if (away.size === 0) return records;
  return records.filter((r) => !away.has(recordKey(r.system, r.object, r.externalId)));
}
