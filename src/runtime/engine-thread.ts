import { parentPort, workerData } from "node:worker_threads";
import { jsforceConnection } from "../../connectors/salesforce/jsforce-connection.ts";
import { rulesFingerprint } from "../core/scoring/rules.ts";
import { createImports } from "../import/index.ts";
import type { LogFields, Logger } from "../logger.ts";
import { watchEventLoop } from "../metrics/event-loop.ts";
import { createMetrics } from "../metrics/registry.ts";
import { createStore } from "../store/index.ts";
import { openSqlite } from "../store/sqlite.ts";
import type { Engine } from "../sync/engine.ts";
import { RETRY_TICK_MS } from "../sync/retry.ts";
import { assembleEngine, createConnectors, loadHubFiles } from "./assemble.ts";
import { diskFolder } from "./disk-folder.ts";
import {
  type EngineCall,
  type EngineThreadData,
  errorData,
  type FromEngine,
  type ToEngine,
} from "./engine-rpc.ts";
import { matchThreads } from "./match-rpc.ts";

/**
 * The engine's thread (Node): its own SQLite connection (WAL, so the HTTP thread reads
 * and appends to the inbox while a page is being written), the connectors, the inbox
 * drain and the jobs. The HTTP thread stays free to acknowledge webhooks whatever the
 * bulk work; it talks to this one only by messages.
 */
const port = parentPort!;
const post = (message: FromEngine) => port.postMessage(message);
const { config, settings } = workerData as EngineThreadData;

const log =
  (level: "info" | "warn" | "error") =>
  (msg: string, fields: LogFields = {}) =>
    post({ kind: "log", level, msg, fields });
const logger: Logger = { info: log("info"), warn: log("warn"), error: log("error") };

try {
  const files = loadHubFiles(diskFolder(config.mappingsDir), config);
  const imports = createImports(config, files.mappings);
  const { db, close } = openSqlite(config.dbPath);
  const store = createStore(db, files.identity);
  const metrics = createMetrics();
  const connectors = createConnectors(settings, files, {
    salesforceConnect: jsforceConnection,
    metrics,
  });
  const matching = matchThreads();
  const engine = assembleEngine({
    files,
    store,
    connectors,
    logger,
    imports,
    metrics,
    matchElsewhere: matching,
    handOver: setImmediate,
  });
  const loop = watchEventLoop(metrics, "engine");
  const publish = setInterval(() => post({ kind: "metrics", snapshot: metrics.snapshot() }), 1000);
  publish.unref();
  // Dead letters with a retryable error are tried again on their schedule (src/sync/retry.ts).
  engine.retryEvery(RETRY_TICK_MS);

  const calls = callTable(engine, async () => {
    clearInterval(publish);
    loop.stop();
    await engine.stop();
    await matching.close();
    post({ kind: "metrics", snapshot: metrics.snapshot() });
    close();
  });
  port.on("message", (message: ToEngine) => {
    if (message.kind === "kick") {
      void engine.kick();
      return;
    }
    const { id, method, args } = message;
    calls[method](...args).then(
      (value) => post({ kind: "result", id, value }),
      (error: unknown) => post({ kind: "failure", id, error: errorData(error) }),
    );
  });

  await engine.jobs.resumeUnfinished();
  const rulesChanged = await store.settings.changed(
    "scoring.rules",
    rulesFingerprint(files.scoring),
  );
  if (rulesChanged && (await store.contacts.count()) > 0)
    await engine.jobs.submit("rescore", { reason: "rules changed" });
  void engine.kick();
  post({ kind: "ready" });
} catch (error) {
  post({ kind: "fatal", error: errorData(error) });
}

function callTable(
  engine: Engine,
  stop: () => Promise<void>,
): Record<EngineCall, (...args: unknown[]) => Promise<unknown>> {
  const call =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    async (...args: unknown[]) =>
      fn(...(args as A));
  return {
    erase: call(engine.erase),
    merge: call(engine.merge),
    unmerge: call(engine.unmerge),
    mergeDuplicate: call(engine.mergeDuplicate),
    dismissDuplicate: call(engine.dismissDuplicate),
    continueErasures: call(engine.continueErasures),
    resync: call(engine.resync),
    refitMatcher: call(engine.refitMatcher),
    idle: call(engine.idle),
    stop: call(stop),
    "jobs.submit": call(engine.jobs.submit),
    "jobs.cancel": call(engine.jobs.cancel),
    "jobs.idle": call(engine.jobs.idle),
  };
}
