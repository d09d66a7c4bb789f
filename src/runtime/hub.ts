import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Cron } from "croner";
import type { MappingSet } from "../core/mapping-set.ts";
import type { SandboxInfo } from "../http/deps.ts";
import { createImports } from "../import/index.ts";
import { createLogger, type Logger } from "../logger.ts";
import { watchEventLoop } from "../metrics/event-loop.ts";
import { createMetrics, type Metrics } from "../metrics/registry.ts";
import { type Sandboxes, type SandboxPlan, startSandboxes } from "../sandbox/start.ts";
import { createStore, type Store } from "../store/index.ts";
import { openSqlite } from "../store/sqlite.ts";
import type { EngineApi } from "../sync/engine.ts";
import { assembleApp, loadHubFiles, type SystemSettings } from "./assemble.ts";
import type { HubConfig } from "./config.ts";
import { diskFolder } from "./disk-folder.ts";
import { startEngineThread } from "./engine-client.ts";

export interface Hub {
  url: string;
  store: Store;
  engine: EngineApi;
  metrics: Metrics;
  sandboxes: Sandboxes;
  mappings: MappingSet;
  close(): Promise<void>;
}

export interface HubOptions {
  logger?: Logger;
  /** Overrides for the simulators' options (tests shrink rate limits, pick ports). */
  sandbox?: Pick<SandboxPlan, "hubspot" | "salesforce" | "marketo">;
  /** Simulators already running, used instead of starting any: they outlive the hub, as real systems outlive a restart. */
  sandboxes?: Sandboxes;
  /** Off in tests that drive runs themselves. */
  schedule?: boolean;
}

/**
 * The Node runtime: SQLite store, connectors (real or simulated), engine, HTTP server,
 * scheduler. Everything is real; the only switch is where the connectors point. The engine
 * runs in a thread of its own (engine-thread.ts) with its own connection to the SQLite
 * file, so this thread, which serves HTTP and the simulators, never waits behind bulk work.
 */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const logger = options.logger ?? createLogger();
  const files = loadHubFiles(diskFolder(config.mappingsDir), config);
  const { mappings } = files;
  const imports = createImports(config, mappings);
  const { db, close: closeDb } = openSqlite(config.dbPath);
  const store = createStore(db, files.identity);

  const simulate = (system: HubConfig["systems"][number]) =>
    config.systems.includes(system) && config[system] === null;
  const owned = options.sandboxes === undefined;
  const sandboxes =
    options.sandboxes ??
    (await startSandboxes({
      people: config.sandbox.people,
      ...(simulate("hubspot")
        ? { hubspot: { port: config.sandbox.hubspotPort, ...options.sandbox?.hubspot } }
        : {}),
      ...(simulate("salesforce")
        ? { salesforce: { port: config.sandbox.salesforcePort, ...options.sandbox?.salesforce } }
        : {}),
      ...(simulate("marketo")
        ? { marketo: { port: config.sandbox.marketoPort, ...options.sandbox?.marketo } }
        : {}),
    }));
  const settings = sandboxSettings(config, sandboxes);
  const metrics = createMetrics();
  const loop = watchEventLoop(metrics, "http");
  const engine = await startEngineThread({ config, settings }, { store, logger, metrics }).catch(
    async (error: unknown) => {
      loop.stop();
      if (owned) await closeSandboxes(sandboxes);
      closeDb();
      throw error;
    },
  );
  const app = assembleApp(
    {
      config,
      settings,
      files,
      store,
      logger,
      imports,
      metrics,
      sandbox: () => sandboxInfo(sandboxes),
    },
    engine,
  );

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(s),
    );
    s.once("error", reject);
  });
  const url = `http://${config.host}:${(server.address() as AddressInfo).port}`;
  sandboxes.hubspot?.setWebhookTarget(`${url}/webhooks/hubspot`);
  sandboxes.salesforce?.setWebhookTarget(`${url}/webhooks/salesforce`);
  sandboxes.marketo?.setWebhookTarget(`${url}/webhooks/marketo`);

  const timers: { stop(): void }[] = [];
  if (options.schedule !== false) {
    timers.push(
      new Cron(config.syncCron, { protect: true }, async () => {
        const active = [...(await store.jobs.unfinished("run"))];
        if (active.length === 0) await engine.jobs.submit("run", {});
      }),
    );
    timers.push(
      new Cron(config.rescoreCron, { protect: true }, async () => {
        if ((await store.jobs.unfinished("rescore")).length === 0)
          await engine.jobs.submit("rescore", { reason: "schedule" });
      }),
    );
    // Notices whose processing failed stay pending, and erasures some system has not
    // confirmed stay partial: retry both on a short tick.
    const tick = setInterval(() => {
      void engine.kick();
      void engine.continueErasures();
    }, 15_000);
    timers.push({ stop: () => clearInterval(tick) });
  }
  return {
    url,
    store,
    engine,
    metrics,
    sandboxes,
    mappings,
    async close() {
      for (const timer of timers) timer.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      loop.stop();
      if (owned) await closeSandboxes(sandboxes);
      closeDb();
    },
  };
}

async function closeSandboxes(sandboxes: Sandboxes): Promise<void> {
  await Promise.all([
    sandboxes.hubspot?.close(),
    sandboxes.salesforce?.close(),
    sandboxes.marketo?.close(),
  ]);
}

/** Each enabled system's settings: the configured credentials, or its running simulator's. */
function sandboxSettings(config: HubConfig, sandboxes: Sandboxes): SystemSettings {
  const { hubspot: hs, salesforce: sf, marketo: mk } = sandboxes;
  return {
    hubspot: config.systems.includes("hubspot")
      ? (config.hubspot ?? {
          accessToken: hs!.accessToken,
          clientSecret: hs!.clientSecret,
          baseUrl: hs!.baseUrl,
          requestsPer10s: 190,
          searchPerSecond: 5,
        })
      : null,
    salesforce: config.systems.includes("salesforce")
      ? (config.salesforce ?? {
          credentials: { instanceUrl: sf!.baseUrl, accessToken: sf!.accessToken },
          organizationId: sf!.organizationId,
          apiVersion: "62.0",
          requestsPerSecond: 50,
        })
      : null,
    marketo: config.systems.includes("marketo")
      ? (config.marketo ?? {
          baseUrl: mk!.baseUrl,
          clientId: mk!.clientId,
          clientSecret: mk!.clientSecret,
          webhookSecret: mk!.webhookSecret,
          rateLimit: { requests: 100, perMs: 20_000 },
          concurrency: 10,
        })
      : null,
  };
}

/** What `GET /v1/sandbox` shows: how to reach each running simulator. */
function sandboxInfo(sandboxes: Sandboxes): SandboxInfo | undefined {
  const { hubspot, salesforce, marketo } = sandboxes;
  if (!hubspot && !salesforce && !marketo) return undefined;
  return {
    ...(hubspot ? { hubspot: { baseUrl: hubspot.baseUrl, accessToken: hubspot.accessToken } } : {}),
    ...(salesforce
      ? { salesforce: { instanceUrl: salesforce.baseUrl, accessToken: salesforce.accessToken } }
      : {}),
    ...(marketo
      ? {
          marketo: {
            baseUrl: marketo.baseUrl,
            clientId: marketo.clientId,
            clientSecret: marketo.clientSecret,
          },
        }
      : {}),
  };
}
