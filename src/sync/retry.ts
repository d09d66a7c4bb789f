import type { Connector, SourceRecord, SystemName } from "../../connectors/contract.ts";
import { describeError, type Logger } from "../logger.ts";
import type { DeadLetterRow } from "../store/dead-letters.ts";
import type { Store } from "../store/index.ts";
import type { BatchCounts } from "./pipeline.ts";

/**
 * Automatic retry of dead letters whose error says `retryable` (a 429 that outlasted the
 * connector's back-off, a 5xx, a timeout). This is a second layer on purpose, on another
 * time scale: the connector's retry (connectors/shared/retry.ts) waits seconds inside one
 * call; this one waits minutes to hours between calls, as HubSpot's own connector retries
 * failed records for hours. Permanent errors are never retried here.
 */
export interface RetryPolicy {
  /** Wait before the first retry; it doubles after each failed attempt... */
  firstDelayMs: number;
  /** ...up to this. Each wait is drawn between half and all of it (jitter). */
  maxDelayMs: number;
  /** No retry is scheduled once this many attempts (the first write included) have failed... */
  maxAttempts: number;
  /** ...or once this long has passed since the first failure. */
  giveUpAfterMs: number;
}

export const RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 60_000,
  maxDelayMs: 60 * 60_000,
  maxAttempts: 30,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/** How often the Node engine looks for due letters (Workers: each cron tick). */
export const RETRY_TICK_MS = 5_000;

/**
 * When to try again after the `attempts`-th failure (epoch ms), or null to stop: the
 * letter then stays open for an operator. The jitter keeps letters from one outage from
 * all retrying in the same second.
 */
export function nextAttemptAt(
  attempts: number,
  firstFailedAt: number,
  now: number,
  policy: RetryPolicy = RETRY_POLICY,
  random: () => number = Math.random,
): number | null {
  if (attempts >= policy.maxAttempts || now - firstFailedAt >= policy.giveUpAfterMs) return null;
  const backoff = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  return now + Math.max(1, Math.round(backoff / 2 + random() * (backoff / 2)));
}

/** How a letter stands for retries, as the API shows it. */
export type RetryState = "scheduled" | "exhausted" | "permanent" | "done";

export function retryState(
  letter: Pick<DeadLetterRow, "status" | "retryable" | "nextAttemptAt">,
): RetryState {
  if (letter.status !== "open") return "done";
  if (letter.nextAttemptAt !== null) return "scheduled";
  return letter.retryable ? "exhausted" : "permanent";
}

export interface RetryDeps {
  store: Store;
  connectors: ReadonlyMap<SystemName, Pick<Connector, "fetchByIds">>;
  logger: Logger;
  now: () => number;
  /** Syncs people's current records, as a replay does (resolve, plan, refresh, push). */
  syncBatch: (records: SourceRecord[]) => Promise<BatchCounts>;
  /** Re-plans people from the stored golden record (those with no record left to read). */
  publishPeople: (ids: string[]) => Promise<BatchCounts>;
}

export interface RetryOptions {
  /** Letters taken per pass (Workers: one scheduled invocation's subrequests). */
  limit?: number;
  /** People re-synced per batch. */
  batch?: number;
  /** A letter being retried is not due again for this long (a pass that died releases it). */
  leaseMs?: number;
}

export interface RetryCounts {
  due: number;
  retried: number;
  failed: number;
  gaveUp: number;
}

/**
 * One retry pass: takes the due retryable letters and re-syncs their people from their
 * current state through the pipeline, the way a replay does, so the current golden record
 * is written, not the payload that failed. A write that fails again is folded into its
 * letter by the pipeline (attempts + 1, next try by the policy, or none when permanent or
 * given up); a letter whose write no longer fails is closed as `retried`.
 */
export async function retryDeadLetters(
  deps: RetryDeps,
  options: RetryOptions = {},
): Promise<RetryCounts> {
  const { limit = 200, batch = 50, leaseMs = 10 * 60_000 } = options;
  const now = deps.now();
  const due = await deps.store.deadLetters.due(now, limit);
  const counts: RetryCounts = { due: due.length, retried: 0, failed: 0, gaveUp: 0 };
  if (due.length === 0) return counts;
  await deps.store.deadLetters.lease(
    due.map((l) => l.id),
    now + leaseMs,
  );
  const people = [...new Set(due.map((l) => l.contactId))];
  for (let i = 0; i < people.length; i += batch) {
    const ids = people.slice(i, i + batch);
    const letters = due.filter((l) => ids.includes(l.contactId));
    try {
      await resyncPeople(deps, ids);
    } catch (error) {
      // Reading the people or writing the store failed: count an attempt for each letter.
      deps.logger.warn("dead-letter retry failed", {
        letters: letters.length,
        error: describeError(error),
      });
      await deps.store.deadLetters.failedAgain(
        letters,
        { code: "RETRY_FAILED", message: describeError(error) },
        deps.now(),
      );
    }
    const after = new Map(
      (await deps.store.deadLetters.getMany(letters.map((l) => l.id))).map((l) => [l.id, l]),
    );
    const delivered: string[] = [];
    for (const letter of letters) {
      const current = after.get(letter.id);
      // Closed meanwhile (an operator replayed it): nothing to count.
      if (current?.status !== "open") continue;
      if (current.attempts === letter.attempts) {
        delivered.push(letter.id);
      } else {
        counts.failed++;
        if (current.nextAttemptAt === null) counts.gaveUp++;
      }
    }
    await deps.store.deadLetters.markRetried(delivered, deps.now());
    counts.retried += delivered.length;
  }
  if (counts.failed > 0 || counts.retried > 0)
    deps.logger.info("dead letters retried", { ...counts });
  return counts;
}

/**
 * What a replay does, for many people at once: read every linked record's current state
 * from its system and sync them as one batch. People with nothing left to read (CSV-only
 * people, records deleted since) are re-planned from their stored golden record.
 */
async function resyncPeople(deps: RetryDeps, ids: string[]): Promise<void> {
  const contacts = await deps.store.contacts.load(ids);
  const wanted = new Map<string, { system: SystemName; object: string; ids: string[] }>();
  for (const contact of contacts) {
    for (const link of contact.links) {
      if (!deps.connectors.has(link.system)) continue;
      const key = `${link.system}/${link.object}`;
      const entry = wanted.get(key) ?? { system: link.system, object: link.object, ids: [] };
      entry.ids.push(link.externalId);
      wanted.set(key, entry);
    }
  }
  const records = (
    await Promise.all(
      [...wanted.values()].map((w) =>
        deps.connectors.get(w.system)!.fetchByIds(w.object, [...new Set(w.ids)]),
      ),
    )
  ).flat();
  const read = new Set(records.map((r) => `${r.system}/${r.object}/${r.externalId}`));
  const unread = contacts
    .filter((c) => !c.links.some((l) => read.has(`${l.system}/${l.object}/${l.externalId}`)))
    .map((c) => c.id);
  if (records.length > 0) await deps.syncBatch(records);
  if (unread.length > 0) await deps.publishPeople(unread);
}
