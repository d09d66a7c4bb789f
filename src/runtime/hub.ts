import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Cron } from "croner";
import type { Connector, SystemName } from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import { createSalesforceConnector } from "../../connectors/salesforce/index.ts";
import { connectorConsentOptions, consentSlots } from "../core/consent-config.ts";
import { createIdentity } from "../core/identity.ts";
import { sourceFieldsToRead } from "../core/mapping.ts";
import { buildMappingSet, type MappingSet } from "../core/mapping-set.ts";
import { rulesFingerprint } from "../core/scoring/rules.ts";
import { createApp } from "../http/app.ts";
import { createLogger, type Logger } from "../logger.ts";
import { type Sandboxes, type SandboxPlan, startSandboxes } from "../sandbox/start.ts";
import { createStore, type Store } from "../store/index.ts";
import { openSqlite } from "../store/sqlite.ts";
import { createMatcher } from "../sync/dedupe.ts";
import { createEngine, type Engine } from "../sync/engine.ts";
import type { HubConfig } from "./config.ts";
import {
  readConsentConfig,
  readEngagementConfig,
  readMappingFiles,
  readMatchingConfig,
  readScoringRules,
} from "./load-mappings.ts";

export interface Hub {
  url: string;
  store: Store;
  engine: Engine;
  sandboxes: Sandboxes;
  mappings: MappingSet;
  close(): Promise<void>;
}

export interface HubOptions {
  logger?: Logger;
  /** Overrides for the simulators' options (tests shrink rate limits, pick ports). */
  sandbox?: Pick<SandboxPlan, "hubspot" | "salesforce">;
  /** Off in tests that drive runs themselves. */
  schedule?: boolean;
}

/**
 * The Node runtime: SQLite store, connectors (real or simulated), engine, HTTP server,
 * scheduler. Everything is real; the only switch is where the connectors point.
 */
export async function startHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const logger = options.logger ?? createLogger();
  const systems: SystemName[] = ["hubspot", "salesforce"];
  const mappings = buildMappingSet(readMappingFiles(config.mappingsDir, systems), [
    { system: "hubspot", createObject: "contact" },
    { system: "salesforce", createObject: config.salesforceTargetObject },
  ]);
  const consent = readConsentConfig(config.mappingsDir);
  const engagement = readEngagementConfig(config.mappingsDir);
  const scoring = readScoringRules(config.mappingsDir);
  const identity = createIdentity(readMatchingConfig(config.mappingsDir));
  const consentOptions = connectorConsentOptions(consent);
  const { db, close: closeDb } = openSqlite(config.dbPath);
  const store = createStore(db, identity);

  const sandboxes = await startSandboxes({
    people: config.sandbox.people,
    ...(config.hubspot
      ? {}
      : { hubspot: { port: config.sandbox.hubspotPort, ...options.sandbox?.hubspot } }),
    ...(config.salesforce
      ? {}
      : { salesforce: { port: config.sandbox.salesforcePort, ...options.sandbox?.salesforce } }),
  });
  const hubspot = config.hubspot ?? {
    accessToken: sandboxes.hubspot!.accessToken,
    clientSecret: sandboxes.hubspot!.clientSecret,
    baseUrl: sandboxes.hubspot!.baseUrl,
    requestsPer10s: 190,
    searchPerSecond: 5,
  };
  const salesforce = config.salesforce ?? {
    credentials: {
      instanceUrl: sandboxes.salesforce!.baseUrl,
      accessToken: sandboxes.salesforce!.accessToken,
    },
    organizationId: sandboxes.salesforce!.organizationId,
    apiVersion: "62.0",
    requestsPerSecond: 50,
  };

  const connectors = new Map<SystemName, Connector>([
    [
      "hubspot",
      createHubspotConnector({
        accessToken: hubspot.accessToken,
        basePath: hubspot.baseUrl,
        properties: sourceFieldsToRead(mappings.get("hubspot", "contact")!),
        rateLimit: {
          requests: Math.max(1, Math.floor(hubspot.requestsPer10s * 0.9)),
          perMs: 10_000,
          concurrency: 10,
        },
        searchPerSecond: hubspot.searchPerSecond,
        consent: consentOptions.hubspot,
      }),
    ],
    [
      "salesforce",
      createSalesforceConnector({
        ...salesforce.credentials,
        version: salesforce.apiVersion,
        // Salesforce publishes no per-second limit; this cap protects the daily allocation.
        rateLimit: { requests: salesforce.requestsPerSecond, perMs: 1000, concurrency: 10 },
        objects: ["Lead", "Contact"],
        fields: {
          Lead: sourceFieldsToRead(mappings.get("salesforce", "Lead")!),
          Contact: sourceFieldsToRead(mappings.get("salesforce", "Contact")!),
        },
        consent: consentOptions.salesforce,
      }),
    ],
  ]);

  const engine = createEngine({
    store,
    connectors,
    mappings,
    consentSlots: consentSlots(consent),
    engagement,
    identity,
    matcher: createMatcher(),
    scoring,
    logger,
    now: Date.now,
    newId: randomUUID,
  });
  const app = createApp(
    {
      store,
      engine,
      logger,
      now: Date.now,
      adminToken: config.adminToken,
      consent,
      scoring,
      hubspot: {
        clientSecret: hubspot.clientSecret,
        ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      },
      salesforce: { organizationId: salesforce.organizationId },
      sandbox: () =>
        sandboxes.hubspot || sandboxes.salesforce
          ? {
              ...(sandboxes.hubspot
                ? {
                    hubspot: {
                      baseUrl: sandboxes.hubspot.baseUrl,
                      accessToken: sandboxes.hubspot.accessToken,
                    },
                  }
                : {}),
              ...(sandboxes.salesforce
                ? {
                    salesforce: {
                      instanceUrl: sandboxes.salesforce.baseUrl,
                      accessToken: sandboxes.salesforce.accessToken,
                    },
                  }
                : {}),
            }
          : undefined,
    },
    () => [...connectors.keys()],
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
  await engine.jobs.resumeUnfinished();
  const rulesChanged = await store.settings.changed("scoring.rules", rulesFingerprint(scoring));
  if (rulesChanged && (await store.contacts.count()) > 0)
    await engine.jobs.submit("rescore", { reason: "rules changed" });
  void engine.kick();

  return {
    url,
    store,
    engine,
    sandboxes,
    mappings,
    async close() {
      for (const timer of timers) timer.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.stop();
      await Promise.all([sandboxes.hubspot?.close(), sandboxes.salesforce?.close()]);
      closeDb();
    },
  };
}
