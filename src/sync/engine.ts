import type { ChangeNotice, SourceRecord } from "../../connectors/contract.ts";
import type { EngagementConfig } from "../core/engagement-config.ts";
import type { Logger } from "../logger.ts";
import { describeError } from "../logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import { StalePersonError } from "../store/contacts.ts";
import type { FittedOn } from "./dedupe.ts";
import { syncEngagement } from "./engagement-sync.ts";
import { continueErasure, startErasure } from "./erasure.ts";
import { drainInbox, type NoticeRef, processNotices } from "./inbox-drain.ts";
import { createJobRunner } from "./jobs.ts";
import {
  dismissDuplicate,
  followSourceMerge,
  mergeDuplicate,
  mergeEverywhere,
  type PairsElsewhere,
  scanForDuplicates,
  unmergePeople,
} from "./merge.ts";
import {
  type BatchOptions,
  type PipelineDeps,
  publishPeople,
  syncRecords,
  unlinkRecords,
} from "./pipeline.ts";
import { type RetryCounts, type RetryOptions, retryDeadLetters as retryDue } from "./retry.ts";
import { rfmOfBuyers } from "./scoring.ts";
import { createLanes, type Lane, type LaneOptions } from "./serial.ts";

export interface EngineDeps extends PipelineDeps {
  logger: Logger;
  metrics?: Metrics;
  /** Records per job page (see JobRunnerDeps.pageRecords). */
  pageRecords?: number;
  /** Where a dedupe scan scores the whole store (Node: a thread); in the engine's thread without it. */
  pairsElsewhere?: PairsElsewhere;
  engagement?: EngagementConfig;
  /** How the lanes start the next task (see LaneOptions.handOver). */
  handOver?: LaneOptions["handOver"];
  /**
   * Hands work to a durable queue instead of this process (Workers): accepted notices and
   * submitted jobs are sent there, and come back through `processNotices` and `jobs.slice`.
   */
  dispatch?: {
    notices(notices: ChangeNotice[]): Promise<void>;
    job(jobId: string): Promise<void>;
  };
}

/**
 * Runs of a batch that lost the race for a person to another process (Workers: another
 * isolate) before its error is left to the caller (a queue message is then retried later).
 */
const RACE_ATTEMPTS = 10;
/** Pause before the next run of a batch that lost a race: 50 ms doubling, at most 3 s, jittered. */
const racePause = (attempt: number) => Math.min(3000, 25 * 2 ** attempt) * (0.5 + Math.random());

/**
 * The sync engine: every batch, whether from the inbox, a run or a backfill, goes through
 * one lane scheduler so two batches never merge the same person at once. Webhook notices
 * and operator actions take the fast lane, job pages the bulk lane: a notice waits for at
 * most the one page in progress, however large the backfill or import behind it.
 */
export function createEngine(deps: EngineDeps) {
  const depthGauge = deps.metrics?.gauge(
    "tsunagu_queue_depth",
    "Batches waiting in each lane of the engine (fast: webhook notices and operator actions; bulk: job pages)",
  );
  const lanes = createLanes({
    ...(deps.handOver ? { handOver: deps.handOver } : {}),
    onDepth: (depth) => {
      for (const lane of ["fast", "bulk"] as const) depthGauge?.set({ lane }, depth[lane]);
    },
  });
  const raceCounter = deps.metrics?.counter(
    "tsunagu_person_races_total",
    "Batches re-run from fresh state because another process saved or held one of their people first",
  );
  /**
   * Runs a task in a lane as the one writer of the people it saves (store/contacts.ts): its
   * saves are checked against what it read, and with holds (Workers) the people it saved are
   * held from other isolates until it ends. A `rerun` task that lost the race for a person
   * (StalePersonError: nothing of that save was written) runs again from fresh state after
   * a pause, out of the lane: up to RACE_ATTEMPTS lost saves, and for as long as another
   * batch holds one of its people (each hold ends by HOLD_MS); re-reading and re-applying its
   * records is what makes that safe, so only batches are re-run, never operator actions.
   */
  async function asWriter<T>(
    lane: Lane,
    task: (deps: EngineDeps) => Promise<T>,
    rerun = false,
  ): Promise<T> {
    let races = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await lanes.run(lane, async () => {
          const contacts = deps.store.contacts.writer();
          try {
            return await task({ ...deps, store: { ...deps.store, contacts } });
          } finally {
            await contacts.release().catch((error: unknown) => {
              // Unreleased people are free again when their hold runs out (HOLD_MS).
              deps.logger.warn("releasing held people failed", { error: describeError(error) });
            });
          }
        });
      } catch (error) {
        if (!rerun || !(error instanceof StalePersonError)) throw error;
        // A person held by a batch still writing them out (a slow page behind a rate limit)
        // is waited for until the hold ends, however long; only lost saves count as races.
        const held = error.heldUntil !== undefined && error.heldUntil > deps.now();
        if (!held && ++races >= RACE_ATTEMPTS) throw error;
        raceCounter?.inc({ lane });
        deps.logger.info("batch lost the race for a person; running it again", {
          lane,
          attempt,
          reason: error.message,
        });
        const pause = racePause(held ? Math.min(attempt, 6) : races);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
  const fast = <T>(task: (deps: EngineDeps) => Promise<T>) => asWriter("fast", task);
  const bulk = <T>(task: (deps: EngineDeps) => Promise<T>) => asWriter("bulk", task);
  const syncBatch = (lane: Lane, records: SourceRecord[], options: BatchOptions = {}) =>
    asWriter(lane, (d) => syncRecords(d, records, { ...options, urgent: lane === "fast" }), true);
  const publish = (ids: string[], rfm?: Parameters<typeof publishPeople>[2]) =>
    asWriter("bulk", (d) => publishPeople(d, ids, rfm), true);
  const unlink = (refs: Pick<SourceRecord, "system" | "object" | "externalId">[]) =>
    asWriter("fast", (d) => unlinkRecords(d, refs), true);
  /** Erasures share the lanes: no batch can save the person again while they are erased. */
  const erase = (contactId: string, requestedBy: string) =>
    fast(async (d) => {
      const contact = await d.store.contacts.get(contactId);
      return contact ? startErasure(d, contact, requestedBy) : undefined;
    });
  const eraseByLink = (
    ref: Pick<SourceRecord, "system" | "object" | "externalId">,
    requestedBy: string,
  ) =>
    fast(async (d) => {
      const [contact] = await d.store.contacts.loadFor([ref], []);
      return contact ? startErasure(d, contact, requestedBy) : undefined;
    });
  const followMerge: Parameters<typeof drainInbox>[0]["followMerge"] = (primary, merged) =>
    fast((d) => followSourceMerge(d, primary, merged));
  const drainDeps = {
    ...deps,
    syncBatch: (records: SourceRecord[]) => syncBatch("fast", records),
    fetch: fast,
    unlink,
    eraseByLink,
    followMerge,
  };
  const jobs = createJobRunner({
    ...deps,
    dispatch: deps.dispatch?.job,
    syncBatch: (records, o) => syncBatch("bulk", records, o),
    publishPeople: (ids, rfm) => publish(ids, rfm),
    rfmOfBuyers: () => rfmOfBuyers(deps.store, deps.now()),
    scanDuplicates: () =>
      scanForDuplicates(deps, {
        bulk,
        ...(deps.pairsElsewhere ? { pairsElsewhere: deps.pairsElsewhere } : {}),
      }),
    accept: (notices) => accept(notices),
    syncEngagement: (events, o) => bulk((d) => syncEngagement(d, events, o)),
  });

  /**
   * Durably records notices (the webhook is acknowledged only after this), then drains; with
   * a queue, the queue is the durable record and duplicates are harmless (a notice is a pointer).
   */
  async function accept(notices: ChangeNotice[]): Promise<number> {
    if (deps.dispatch) {
      if (notices.length > 0) await deps.dispatch.notices(notices);
      return notices.length;
    }
    const inserted = await deps.store.inbox.enqueue(notices, deps.now());
    if (inserted > 0) void kick();
    return inserted;
  }

  let draining: Promise<void> | null = null;
  let again = false;
  let retrying: Promise<RetryCounts> | null = null;
  let retryTimer: ReturnType<typeof setInterval> | undefined;

  /** Drains the inbox soon; calls while a drain is running coalesce into one more pass. */
  function kick(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        try {
          await drainInbox(drainDeps);
        } catch (error) {
          deps.logger.error("inbox drain failed", { error: describeError(error) });
        }
      } while (again);
    })().finally(() => {
      draining = null;
    });
    return draining;
  }

  function retryDeadLetters(options?: RetryOptions): Promise<RetryCounts> {
    retrying ??= retryDue(
      {
        ...deps,
        syncBatch: (records) => syncBatch("bulk", records),
        publishPeople: (ids) => publish(ids),
      },
      options,
    ).finally(() => {
      retrying = null;
    });
    return retrying;
  }

  return {
    jobs,
    kick,
    accept,
    /** Notices delivered by a queue: processed now; a failure throws so the queue retries them. */
    processNotices: (notices: NoticeRef[]) => processNotices(drainDeps, notices),
    erase,
    merge: (winnerId: string, loserId: string, reason: string, evidence?: unknown) =>
      fast((d) => mergeEverywhere(d, winnerId, loserId, reason, evidence)),
    unmerge: (contactId: string, mergeId?: string) =>
      fast((d) => unmergePeople(d, contactId, mergeId)),
    mergeDuplicate: (pairId: string, by: string) => fast((d) => mergeDuplicate(d, pairId, by)),
    dismissDuplicate: (pairId: string, by: string) => fast((d) => dismissDuplicate(d, pairId, by)),
    /** Tasks waiting in each lane. */
    laneDepth: () => lanes.depth(),
    /**
     * Asks the matcher for a fresh fit on a new random sample, made before (store within
     * 2,000 people) or while (larger) the next batch is matched; returns the current fit.
     */
    async refitMatcher(): Promise<FittedOn | null> {
      deps.matcher?.refit();
      return deps.matcher?.fittedOn() ?? null;
    },
    /** Retries the systems that have not confirmed an erasure yet. */
    async continueErasures(): Promise<void> {
      for (const row of await deps.store.erasures.unfinished())
        await fast((d) => continueErasure(d, row.id));
    },
    /**
     * Retries the dead letters that are due (src/sync/retry.ts), in the bulk lane: retries
     * are minutes late already and never hold up a webhook. Passes never overlap.
     */
    retryDeadLetters,
    /** Runs a retry pass every `everyMs` until `stop` (Node; on Workers each cron tick runs one). */
    retryEvery(everyMs: number, options?: RetryOptions): void {
      retryTimer ??= setInterval(() => {
        retryDeadLetters(options).catch((error: unknown) => {
          deps.logger.error("dead-letter retry pass failed", { error: describeError(error) });
        });
      }, everyMs);
      retryTimer.unref?.();
    },
    /** Re-plans one contact from its current state (dead-letter replay). */
    async resync(contactId: string): Promise<void> {
      const contact = await deps.store.contacts.get(contactId);
      if (!contact) return;
      const records = await Promise.all(
        contact.links.map(
          (l) => deps.connectors.get(l.system)?.fetchByIds(l.object, [l.externalId]) ?? [],
        ),
      );
      await syncBatch("fast", records.flat());
    },
    async idle(): Promise<void> {
      while (draining) await draining;
      await jobs.idle();
      while (draining) await draining;
    },
    async stop(): Promise<void> {
      clearInterval(retryTimer);
      await jobs.stop();
      while (draining) await draining;
      await retrying?.catch(() => undefined);
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;

/**
 * What the HTTP app and the runtime ask of an engine: the engine itself (Workers), or a
 * client of the engine's own thread (Node), which every one of these crosses as a message.
 */
export type EngineApi = Omit<
  Engine,
  "jobs" | "processNotices" | "laneDepth" | "retryDeadLetters" | "retryEvery"
> & {
  jobs: Pick<Engine["jobs"], "submit" | "cancel" | "idle">;
};
