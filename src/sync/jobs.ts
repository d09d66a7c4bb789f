import type {
  ChangeNotice,
  ChangePage,
  Connector,
  EngagementCapable,
  EngagementEvent,
  EngagementPage,
  MergeCapable,
  SourceRecord,
  SystemName,
} from "../../connectors/contract.ts";
import type { MappingSet } from "../core/mapping-set.ts";
import type { RfmScore } from "../core/scoring/rfm.ts";
import {
  type ImportParams,
  importEnded,
  importPages,
  keepRowErrors,
  type RowError,
} from "../import/job.ts";
import { describeError, type Logger } from "../logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import type { Store } from "../store/index.ts";
import type { JobRow } from "../store/jobs.ts";
import type { BatchCounts, BatchOptions } from "./pipeline.ts";

export type JobKind = "run" | "backfill" | "rescore" | "import" | "dedupe";

export interface RunParams {
  until: number;
}
export interface BackfillParams {
  system: SystemName;
  since?: number;
  dryRun: boolean;
  until: number;
}

export interface RescoreParams {
  /** Why: "api", "schedule" (decay) or "rules changed". */
  reason: string;
}

interface Step {
  system: SystemName;
  object: string;
}
interface Checkpoint {
  step: number;
  cursor: string | null;
  /** When the checkpoint was saved: a job whose slices stopped arriving is found by it. */
  at?: number;
}

/** How a slice of a job ended: finished (in any final state), or stopped at its budget with more to do. */
export type SliceOutcome = "ended" | "more";

/** How much one slice may do: pages are checked after each page, so a slice overruns `until` by at most one. */
export interface SliceBudget {
  until: number;
  pages: number;
}

const UNBOUNDED: SliceBudget = { until: Number.POSITIVE_INFINITY, pages: Number.POSITIVE_INFINITY };

export interface JobRunnerDeps {
  store: Store;
  connectors: ReadonlyMap<
    SystemName,
    Pick<Connector, "objects" | "pullChanges"> & Partial<EngagementCapable> & Partial<MergeCapable>
  >;
  syncBatch: (records: SourceRecord[], options: BatchOptions) => Promise<BatchCounts>;
  /** Re-scores these people (with their RFM when given) and writes what other systems lack. */
  publishPeople: (ids: string[], rfm?: ReadonlyMap<string, RfmScore>) => Promise<BatchCounts>;
  /** Matches everyone against everyone and applies the decisions (a dedupe job). */
  scanDuplicates: () => Promise<BatchCounts>;
  /** RFM of every buyer (a rescore job computes it once, at its start). */
  rfmOfBuyers: () => Promise<Map<string, RfmScore>>;
  /** Durably records notices (merges read from a system) for the inbox to process. */
  accept: (notices: ChangeNotice[]) => Promise<number>;
  syncEngagement: (events: EngagementEvent[], options: { dryRun: boolean }) => Promise<BatchCounts>;
  /** Where import jobs find their CSV mapping (`csv:<name>`/"row"). */
  mappings?: Pick<MappingSet, "get">;
  now: () => number;
  newId: () => string;
  logger: Logger;
  metrics?: Metrics;
  /**
   * Source pages are joined until they hold this many records (default 600: three
   * Salesforce collections, six HubSpot batches, two Marketo calls), so writes go out at
   * each API's batch limit. Smaller on Workers, where an invocation's subrequests are few.
   */
  pageRecords?: number;
  /**
   * Where submitted jobs go. Without it they run here, one at a time (Node); with it each is
   * handed on (a Workers queue message) and runs later through `slice`.
   */
  dispatch?: ((jobId: string) => Promise<void>) | undefined;
}

/**
 * Runs (incremental syncs from the stored cursors) and backfills (full reads from `since`)
 * one job at a time. After every page the job saves its checkpoint and, for runs, the
 * cursor, so a crash or restart resumes from the last merged page: nothing is skipped,
 * and re-reading a page is harmless.
 */
export function createJobRunner(deps: JobRunnerDeps) {
  const queue: string[] = [];
  let active: Promise<void> | null = null;
  let stopping = false;

  async function submit(
    kind: JobKind,
    params: Omit<RunParams, "until"> | Omit<BackfillParams, "until"> | RescoreParams | ImportParams,
  ): Promise<JobRow> {
    const now = deps.now();
    const job = await deps.store.jobs.create({
      id: deps.newId(),
      kind,
      params: { ...params, until: now },
      progress: {
        pages: 0,
        read: 0,
        changed: 0,
        ...(kind === "import" ? { accepted: 0, rejected: 0, bytes: 0 } : {}),
      },
      createdAt: now,
    });
    await schedule(job.id);
    return job;
  }

  async function schedule(id: string) {
    if (deps.dispatch) await deps.dispatch(id);
    else enqueue(id);
  }

  function enqueue(id: string) {
    queue.push(id);
    if (!active)
      active = loop().finally(() => {
        active = null;
      });
  }

  async function loop() {
    while (queue.length > 0 && !stopping) {
      const job = await deps.store.jobs.get(queue.shift()!);
      if (job && (job.status === "queued" || job.status === "running")) await execute(job);
    }
  }

  /**
   * A run reads every system's contacts first, saving what it merges but writing nothing,
   * then writes everyone it touched (PUBLISH): a person already in two systems under two
   * emails is matched before either system is given a copy. Engagement comes last (it
   * needs the people linked). A backfill reads one system and writes as it goes.
   */
  function stepsFor(job: JobRow): Step[] {
    if (job.kind === "rescore") return [{ system: "hubspot", object: RESCORE }];
    if (job.kind === "dedupe") return [{ system: "hubspot", object: DEDUPE }];
    if (job.kind === "import")
      return [{ system: `csv:${(job.params as unknown as ImportParams).mapping}`, object: IMPORT }];
    const systems =
      job.kind === "backfill"
        ? [(job.params as unknown as BackfillParams).system]
        : [...deps.connectors.keys()];
    const records = systems.flatMap((system) =>
      (deps.connectors.get(system)?.objects ?? []).map((object) => ({ system, object })),
    );
    const engagement = systems
      .filter((system) => deps.connectors.get(system)?.pullEngagement)
      .map((system) => ({ system, object: ENGAGEMENT }));
    const publish = job.kind === "run" ? [{ system: systems[0]!, object: PUBLISH }] : [];
    const merges =
      job.kind === "run"
        ? systems
            .filter((system) => deps.connectors.get(system)?.pullMerges)
            .map((system) => ({ system, object: MERGES }))
        : [];
    return [...records, ...merges, ...publish, ...engagement];
  }

  /** Pages of one step as keyed items with a cursor, and how to process them. */
  function pagesOf(
    step: Step,
    cursor: string | null,
    params: Partial<BackfillParams> & RunParams,
    kind: JobKind,
    sliced: boolean,
  ) {
    const connector = deps.connectors.get(step.system)!;
    const options = {
      until: params.until,
      ...(params.since !== undefined ? { since: params.since } : {}),
    };
    if (step.object === PUBLISH) return queuedPages();
    if (step.object === IMPORT)
      return importPages(deps, params as unknown as ImportParams & RunParams, cursor);
    if (step.object === RESCORE) return everyonePages(cursor);
    if (step.object === DEDUPE) return scanPages();
    if (step.object === MERGES) return mergePages(step.system, cursor);
    if (step.object === ENGAGEMENT) {
      return mapPages(connector.pullEngagement!(cursor, options), (page: EngagementPage) => ({
        cursor: page.cursor,
        items: page.events.map((e) => ({
          id: `${e.key}@${e.occurredAt}`,
          at: e.occurredAt,
          item: e,
        })),
        run: (items: EngagementEvent[], dryRun: boolean) => deps.syncEngagement(items, { dryRun }),
      }));
    }
    const pulled = connector.pullChanges(step.object, cursor, options);
    // A slice ends after a page: a page read ahead would be read again by the next slice.
    const changes = coalesce(sliced ? pulled : readAhead(pulled), deps.pageRecords ?? 600);
    return mapPages(changes, (page: ChangePage) => ({
      cursor: page.cursor,
      items: page.records.map((r) => ({
        id: `${r.externalId}@${r.modifiedAt}`,
        at: r.modifiedAt,
        item: r,
      })),
      run: (items: SourceRecord[], dryRun: boolean) =>
        deps.syncBatch(items, { dryRun, defer: kind === "run" }),
    }));
  }

  /** The people runs left in the push queue, a page at a time until it is empty. */
  async function* queuedPages() {
    for (;;) {
      const ids = await deps.store.pushQueue.next(PEOPLE_PAGE);
      if (ids.length === 0) return;
      yield {
        cursor: "",
        items: ids.map((id) => ({ id, at: 0, item: id })),
        run: async (page: string[]) => {
          const counts = await deps.publishPeople(page);
          await deps.store.pushQueue.remove(page);
          return counts;
        },
      };
    }
  }

  /** A dedupe job is one page: the whole store, matched at once. */
  async function* scanPages() {
    yield { cursor: "", items: [], run: () => deps.scanDuplicates() };
  }

  /** Merges done inside a system since the cursor, as notices for the inbox (one page). */
  async function* mergePages(system: SystemName, cursor: string | null) {
    const read = await deps.connectors.get(system)!.pullMerges!(cursor);
    yield {
      cursor: read.cursor,
      items: read.notices.map((n) => ({ id: n.eventKey, at: n.occurredAt, item: n })),
      run: async (notices: ChangeNotice[]) => ({ merges: await deps.accept(notices) }),
    };
  }

  /** Everyone, by id: a rescore job re-scores each person and writes scores that moved. */
  async function* everyonePages(cursor: string | null) {
    const rfm = await deps.rfmOfBuyers();
    for (let after = cursor ?? undefined; ; ) {
      const ids = (await deps.store.contacts.list(PEOPLE_PAGE, after)).map((c) => c.id);
      if (ids.length === 0) return;
      after = ids.at(-1)!;
      yield {
        cursor: after,
        items: ids.map((id) => ({ id, at: 0, item: id })),
        run: (page: string[]) => deps.publishPeople(page, rfm),
      };
    }
  }

  const rate = deps.metrics?.gauge(
    "tsunagu_job_records_per_second",
    "Records read per second by the running job of each kind, over its current slice",
  );

  async function execute(job: JobRow, budget = UNBOUNDED): Promise<SliceOutcome> {
    const outcome = await executeSlice(job, budget);
    if (outcome === "ended") rate?.set({ kind: job.kind }, 0);
    return outcome;
  }

  async function executeSlice(job: JobRow, budget: SliceBudget): Promise<SliceOutcome> {
    const params = job.params as unknown as Partial<BackfillParams> & RunParams;
    const dryRun = params.dryRun === true;
    const progress = { ...job.progress };
    // Dispatched jobs run in slices (one per queue message): counted so progress shows it.
    if (budget !== UNBOUNDED) progress.slices = (progress.slices ?? 0) + 1;
    let pagesThisSlice = 0;
    const sliceStarted = deps.now();
    const readAtStart = progress.read ?? 0;
    let checkpoint = (job.checkpoint as Checkpoint | null) ?? { step: 0, cursor: null };
    let errors = job.errors;
    await deps.store.jobs.update(job.id, {
      status: "running",
      startedAt: job.startedAt ?? deps.now(),
    });
    try {
      const steps = stepsFor(job);
      for (let step = checkpoint.step; step < steps.length; step++) {
        const { system, object } = steps[step]!;
        const cursorKey = `incremental:${system}:${object}`;
        const resumeFrom = step === checkpoint.step ? checkpoint.cursor : null;
        const cursor =
          resumeFrom ?? (job.kind === "run" ? await deps.store.cursors.get(cursorKey) : null);
        let boundary = new Set<string>();
        for await (const page of pagesOf(
          steps[step]!,
          cursor,
          params,
          job.kind as JobKind,
          budget !== UNBOUNDED,
        )) {
          if (stopping) return "more";
          if ((await deps.store.jobs.get(job.id))?.cancelRequested) {
            await deps.store.jobs.update(job.id, {
              status: "cancelled",
              finishedAt: deps.now(),
              progress,
            });
            ended(job);
            return "ended";
          }
          const fresh = page.items.filter((i) => !boundary.has(i.id));
          boundary = lastInstant(page.items);
          const counts = await page.run(fresh.map((i) => i.item) as never, dryRun);
          progress.pages = (progress.pages ?? 0) + 1;
          for (const [key, n] of Object.entries(counts)) progress[key] = (progress[key] ?? 0) + n;
          const seconds = Math.max(1, deps.now() - sliceStarted) / 1000;
          rate?.set({ kind: job.kind }, ((progress.read ?? 0) - readAtStart) / seconds);
          checkpoint = { step, cursor: page.cursor, at: deps.now() };
          if (job.kind === "run") await deps.store.cursors.set(cursorKey, page.cursor, deps.now());
          // Rejected import rows are kept with the checkpoint, so a resumed job lists each once.
          const rowErrors = "rowErrors" in page ? (page.rowErrors as RowError[]) : [];
          if (rowErrors.length > 0) errors = keepRowErrors(errors, rowErrors, deps.now());
          await deps.store.jobs.update(job.id, {
            progress,
            checkpoint: { ...checkpoint },
            ...(rowErrors.length > 0 ? { errors } : {}),
          });
          if (++pagesThisSlice >= budget.pages || deps.now() >= budget.until) return "more";
          // A page is a run of promises that may never touch the network (an import):
          // give the event loop a turn, so messages and timers are not held up.
          await new Promise((resolve) => setImmediate(resolve));
        }
        checkpoint = { step: step + 1, cursor: null, at: deps.now() };
        await deps.store.jobs.update(job.id, { checkpoint: { ...checkpoint } });
      }
      await deps.store.jobs.update(job.id, {
        status: "succeeded",
        finishedAt: deps.now(),
        progress,
      });
      ended(job);
      deps.logger.info("job succeeded", {
        job: job.id,
        kind: job.kind,
        read: progress.read,
        pages: progress.pages,
      });
      return "ended";
    } catch (error) {
      deps.logger.error("job failed", { job: job.id, kind: job.kind, error: describeError(error) });
      const current = await deps.store.jobs.get(job.id);
      await deps.store.jobs.update(job.id, {
        status: "failed",
        finishedAt: deps.now(),
        progress,
        errors: [...(current?.errors ?? []), { at: deps.now(), message: describeError(error) }],
      });
      ended(job);
      return "ended";
    }
  }

  return {
    submit,
    /**
     * Runs a job from its checkpoint until it ends or its budget is spent. "more": call again
     * for the rest.
     */
    async slice(id: string, budget: SliceBudget): Promise<SliceOutcome> {
      const job = await deps.store.jobs.get(id);
      if (!job || (job.status !== "queued" && job.status !== "running")) return "ended";
      return execute(job, budget);
    },
    /**
     * Re-queues jobs a previous process left queued or running. With `idleForMs`, only those
     * whose last checkpoint is older: with dispatched slices, a job whose message was lost.
     */
    async resumeUnfinished(options: { idleForMs?: number } = {}): Promise<number> {
      const jobs = [
        ...(await deps.store.jobs.unfinished("backfill")),
        ...(await deps.store.jobs.unfinished("run")),
        ...(await deps.store.jobs.unfinished("rescore")),
        ...(await deps.store.jobs.unfinished("import")),
        ...(await deps.store.jobs.unfinished("dedupe")),
      ].filter((job) => {
        const at = (job.checkpoint as Checkpoint | null)?.at ?? job.startedAt ?? job.createdAt;
        return options.idleForMs === undefined || at <= deps.now() - options.idleForMs;
      });
      for (const job of jobs.sort((a, b) => a.createdAt - b.createdAt)) await schedule(job.id);
      return jobs.length;
    },
    async cancel(id: string): Promise<JobRow | undefined> {
      const job = await deps.store.jobs.get(id);
      if (!job) return undefined;
      if (job.status === "queued") {
        await deps.store.jobs.update(id, { status: "cancelled", finishedAt: deps.now() });
        ended(job);
      } else if (job.status === "running") {
        await deps.store.jobs.requestCancel(id);
      }
      return deps.store.jobs.get(id);
    },
    /** Resolves when the queue is empty. */
    async idle(): Promise<void> {
      while (active) await active;
    },
    /** Stops after the page in flight; an interrupted job stays "running" and resumes on the next start. */
    async stop(): Promise<void> {
      stopping = true;
      await active;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

/** What a job leaves behind once it has ended: an import's stored upload. */
function ended(job: JobRow): void {
  if (job.kind === "import") importEnded(job.params);
}

/**
 * Cursors resume at the last modification time read (inclusive), so the next page starts
 * with the records of that instant again; these keys let the runner skip them.
 */
function lastInstant(items: { id: string; at: number }[]): Set<string> {
  const last = Math.max(...items.map((i) => i.at));
  return new Set(items.filter((i) => i.at === last).map((i) => i.id));
}

const ENGAGEMENT = "engagement";
const PUBLISH = "publish";
const RESCORE = "rescore";
const MERGES = "merges";
const DEDUPE = "dedupe";
const IMPORT = "import";
const PEOPLE_PAGE = 200;

/**
 * Source pages joined until they hold `records` (600: three Salesforce collections, six
 * HubSpot batches, two Marketo calls), so writes go out at each API's batch limit.
 */
async function* coalesce(
  pages: AsyncIterable<ChangePage>,
  records = 600,
): AsyncIterable<ChangePage> {
  let held: ChangePage | null = null;
  for await (const page of pages) {
    held = held ? { records: [...held.records, ...page.records], cursor: page.cursor } : page;
    if (held.records.length >= records) {
      yield held;
      held = null;
    }
  }
  if (held) yield held;
}

/** Asks for the next page while the current one is processed: the read overlaps the work. */
async function* readAhead<P>(pages: AsyncIterable<P>): AsyncIterable<P> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // The next read may fail while this page is processed: handled when it is awaited.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await iterator.return?.();
  }
}

async function* mapPages<P, Q>(pages: AsyncIterable<P>, map: (page: P) => Q): AsyncIterable<Q> {
  for await (const page of pages) yield map(page);
}
