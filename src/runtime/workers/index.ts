import type { ExecutionContext } from "hono";
import type { ChangeNotice } from "../../../connectors/contract.ts";
import { fetchConnection } from "../../../connectors/salesforce/fetch-connection.ts";
import { createLogger, describeError } from "../../logger.ts";
import { storeDb } from "../../store/db.ts";
import { createStore } from "../../store/index.ts";
import { assembleHub, createConnectors, loadHubFiles, type SystemSettings } from "../assemble.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { inMemoryFolder } from "../mapping-folder.ts";
import type { JobMessage, MessageBatch, ScheduledController, WorkerEnv } from "./bindings.ts";
import { BUNDLED_MAPPINGS } from "./mappings.generated.ts";
import { durableGates } from "./rate-gate.ts";

export { RateGate } from "./rate-gate.ts";

/**
 * The Workers runtime: the same app, engine and connectors as Node over D1, with notices
 * and job slices carried by Queues, limits shared through a Durable Object, and Cron
 * Triggers for scheduled runs and rescoring.
 */
export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    return Promise.resolve(hubOf(env).app.fetch(request, env, ctx));
  },

  async queue(batch: MessageBatch<unknown>, env: WorkerEnv): Promise<void> {
    const hub = hubOf(env);
    if (batch.queue === hub.queues.notices) await processNotices(hub, batch as never);
    else if (batch.queue === hub.queues.deadNotices) await parkNotices(hub, batch as never);
    else if (batch.queue === hub.queues.jobs) await runSlices(hub, env, batch as never);
    else hub.logger.error("message from an unknown queue", { queue: batch.queue });
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv): Promise<void> {
    const hub = hubOf(env);
    const { engine, store, config } = hub;
    if (controller.cron === config.syncCron && (await store.jobs.unfinished("run")).length === 0)
      await engine.jobs.submit("run", {});
    if (
      controller.cron === config.rescoreCron &&
      (await store.jobs.unfinished("rescore")).length === 0
    )
      await engine.jobs.submit("rescore", { reason: "schedule" });
    // Each tick also picks up what a lost message or a dead-lettered notice left behind.
    await engine.jobs.resumeUnfinished({ idleForMs: hub.staleJobMs });
    await engine.kick();
    await engine.continueErasures();
    // Dead letters with a retryable error whose next try has come (src/sync/retry.ts).
    await engine.retryDeadLetters({ limit: 100 });
  },
};

type WorkerHub = ReturnType<typeof buildHub>;
let built: { env: WorkerEnv; hub: WorkerHub } | undefined;

/** One hub per isolate: bindings and vars do not change while an isolate lives. */
function hubOf(env: WorkerEnv): WorkerHub {
  if (built?.env !== env) built = { env, hub: buildHub(env) };
  return built.hub;
}

function buildHub(env: WorkerEnv) {
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  // The mappings are bundled into the script: their folder is named, never read.
  const config = loadConfig({ ...vars, TSUNAGU_MAPPINGS: "mappings" });
  const enabled = <K extends keyof SystemSettings>(system: K) =>
    config.systems.includes(system) ? config[system] : null;
  const settings: SystemSettings = {
    hubspot: enabled("hubspot"),
    salesforce: enabled("salesforce"),
    marketo: enabled("marketo"),
  };
  const missing = config.systems.filter((system) => settings[system] === null);
  if (missing.length > 0)
    throw new ConfigError(
      `TSUNAGU_SYSTEMS: ${missing.join(", ")} has no credentials (Workers run no simulators; set its secrets)`,
    );
  const logger = createLogger({ write: (line) => console.log(line) });
  const files = loadHubFiles(inMemoryFolder("mappings", BUNDLED_MAPPINGS), config);
  // Isolates share D1: a batch holds the people it saves until it ends (one writer per person).
  const store = createStore(storeDb(env.DB), files.identity, { holds: true });
  const connectors = createConnectors(settings, files, {
    salesforceConnect: fetchConnection,
    fleet: durableGates(env.RATE_GATE),
  });
  const { engine, app } = assembleHub({
    config,
    settings,
    files,
    store,
    connectors,
    logger,
    // A page costs a subrequest per API call; pages of one Salesforce collection keep a
    // slice well inside an invocation's 1,000.
    pageRecords: Number(vars.TSUNAGU_PAGE_RECORDS ?? 200),
    dispatch: {
      async notices(notices: ChangeNotice[]) {
        // sendBatch takes at most 100 messages.
        for (let i = 0; i < notices.length; i += 100)
          await env.NOTICES.sendBatch(notices.slice(i, i + 100).map((body) => ({ body })));
      },
      job: (jobId: string) => env.JOBS.send({ jobId }),
    },
  });
  return {
    config,
    store,
    engine,
    app,
    logger,
    queues: {
      notices: vars.TSUNAGU_NOTICES_QUEUE ?? "tsunagu-notices",
      deadNotices: vars.TSUNAGU_DEAD_NOTICES_QUEUE ?? "tsunagu-notices-dead",
      jobs: vars.TSUNAGU_JOBS_QUEUE ?? "tsunagu-jobs",
    },
    // Pages bound a slice too: each page costs D1 and API subrequests, and an invocation
    // may make at most 1,000 of them (Workers Paid).
    slice: {
      ms: Number(vars.TSUNAGU_SLICE_MS ?? 20_000),
      pages: Number(vars.TSUNAGU_SLICE_PAGES ?? 5),
    },
    staleJobMs: Number(vars.TSUNAGU_STALE_JOB_MS ?? 10 * 60_000),
  };
}

/** A batch of notices: processed together; any failure retries the batch with backoff. */
async function processNotices(hub: WorkerHub, batch: MessageBatch<ChangeNotice>) {
  try {
    await hub.engine.processNotices(batch.messages.map((m) => m.body));
    batch.ackAll();
  } catch (error) {
    const attempts = Math.max(...batch.messages.map((m) => m.attempts));
    hub.logger.warn("notice batch failed", {
      notices: batch.messages.length,
      attempts,
      error: describeError(error),
    });
    batch.retryAll({ delaySeconds: Math.min(300, 5 * 2 ** attempts) });
  }
}

/**
 * Notices the queue gave up on go to the inbox table, where each cron tick drains them
 * again (up to its own attempt limit) and failures stay visible in the store.
 */
async function parkNotices(hub: WorkerHub, batch: MessageBatch<ChangeNotice>) {
  await hub.store.inbox.enqueue(
    batch.messages.map((m) => m.body),
    Date.now(),
  );
  hub.logger.error("notices dead-lettered to the inbox", { notices: batch.messages.length });
  batch.ackAll();
}

/**
 * Each message runs one slice of a job from its checkpoint; a job with more to do sends
 * itself on, so no invocation outlives its CPU budget and a lost slice resumes from D1.
 */
async function runSlices(hub: WorkerHub, env: WorkerEnv, batch: MessageBatch<JobMessage>) {
  for (const message of batch.messages) {
    const outcome = await hub.engine.jobs.slice(message.body.jobId, {
      until: Date.now() + hub.slice.ms,
      pages: hub.slice.pages,
    });
    if (outcome === "more") await env.JOBS.send(message.body);
    message.ack();
  }
}
