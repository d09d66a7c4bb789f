import type { SourceRecord } from "../../connectors/contract.ts";
import { describeError, type Logger } from "../logger.ts";
import { LATENCY_BUCKETS, type Metrics } from "../metrics/registry.ts";
import type { PipelineDeps } from "./pipeline.ts";

const BATCH = 200;
const MAX_ATTEMPTS = 10;

export interface DrainDeps extends PipelineDeps {
  logger: Logger;
  metrics?: Metrics;
  syncBatch: (records: SourceRecord[]) => Promise<unknown>;
  /**
   * Runs a read of the records notices name in the fast lane: while it waits on the
   * network no job page starts, which would hold its answer until the page ends.
   */
  fetch: <T>(read: () => Promise<T>) => Promise<T>;
  unlink: (refs: Pick<SourceRecord, "system" | "object" | "externalId">[]) => Promise<unknown>;
  eraseByLink: (
    ref: Pick<SourceRecord, "system" | "object" | "externalId">,
    requestedBy: string,
  ) => Promise<unknown>;
  followMerge: (
    primary: Pick<SourceRecord, "system" | "object" | "externalId">,
    merged: Pick<SourceRecord, "system" | "object" | "externalId">[],
  ) => Promise<unknown>;
}

/**
 * Processes pending notices until none are left: fetch the current records named by the
 * notices (a notice is a pointer, never data), run them through the pipeline, then mark
 * the notices done. A failure leaves them pending for the next drain, up to MAX_ATTEMPTS.
 */
export async function drainInbox(deps: DrainDeps): Promise<number> {
  const age = deps.metrics?.histogram(
    "tsunagu_notice_age_seconds",
    "Time from a notice's arrival in the inbox to the end of its processing",
    LATENCY_BUCKETS,
  );
  let processed = 0;
  for (;;) {
    const rows = await deps.store.inbox.pending(BATCH);
    if (rows.length === 0) return processed;
    let failed = false;
    for (const group of groupByObject(rows)) {
      const ids = group.map((r) => r.id);
      try {
        await processGroup(deps, group);
        const now = deps.now();
        await deps.store.inbox.complete(ids, now);
        for (const row of group)
          age?.observe({ system: row.system }, (now - row.receivedAt) / 1000);
      } catch (error) {
        failed = true;
        deps.logger.warn("inbox batch failed", {
          system: group[0]!.system,
          notices: ids.length,
          error: describeError(error),
        });
        await deps.store.inbox.fail(ids, describeError(error), MAX_ATTEMPTS);
      }
    }
    processed += rows.length;
    // Failed notices stay pending: leave them for the next drain instead of spinning.
    if (failed) return processed;
  }
}

/** What processing needs of a notice, whether it comes from the inbox table or a queue message. */
export interface NoticeRef {
  system: string;
  object: string;
  externalId: string;
  kind: string;
  detail?: Record<string, unknown> | null;
}

/** Processes notices for one or more objects; throws if any group fails (the caller retries all). */
export async function processNotices(deps: DrainDeps, notices: NoticeRef[]): Promise<void> {
  for (const group of groupByObject(notices)) await processGroup(deps, group);
}

async function processGroup(deps: DrainDeps, group: NoticeRef[]) {
  const { system, object } = group[0]!;
  const connector = deps.connectors.get(system as SourceRecord["system"]);
  if (!connector || !deps.mappings.get(connector.system, object)) return;
  // A privacy deletion in a system is an erasure request for the person everywhere.
  const erasures = group.filter((r) => r.kind === "privacy_deletion");
  for (const row of erasures) {
    await deps.eraseByLink(
      { system: connector.system, object, externalId: row.externalId },
      `${system}:privacy_deletion`,
    );
  }
  const erased = new Set(erasures.map((r) => r.externalId));
  const ids = [...new Set(group.filter((r) => !erased.has(r.externalId)).map((r) => r.externalId))];
  if (ids.length === 0) return;
  const records = await deps.fetch(() => connector.fetchByIds(object, ids));
  const found = new Set(records.map((r) => r.externalId));
  const gone = ids
    .filter((id) => !found.has(id))
    .map((externalId) => ({ system: connector.system, object, externalId }));
  await deps.syncBatch(records);
  if (gone.length > 0) await deps.unlink(gone);
  // HubSpot merged records: the survivor was just synced; fold the merged-away ones into it.
  for (const row of group.filter((r) => r.kind === "merge")) {
    // Since 2024 HubSpot gives the merged contact a new id: the primary's old one is merged away too.
    const primaryId = row.detail?.primaryObjectId;
    const ids = [
      ...((row.detail?.mergedObjectIds as unknown[] | undefined) ?? []),
      ...(primaryId === undefined ? [] : [primaryId]),
    ]
      .map(String)
      .filter((id) => id !== row.externalId);
    const ref = (externalId: string) => ({ system: connector.system, object, externalId });
    if (ids.length > 0) await deps.followMerge(ref(row.externalId), ids.map(ref));
  }
}

function groupByObject<T extends NoticeRef>(rows: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = `${row.system}/${row.object}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}
