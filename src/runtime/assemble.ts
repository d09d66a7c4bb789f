import type { Connector, SystemName } from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import { createMarketoConnector } from "../../connectors/marketo/index.ts";
import {
  type ConnectionFactory,
  createSalesforceConnector,
} from "../../connectors/salesforce/index.ts";
import type { FleetGates } from "../../connectors/shared/limiter.ts";
import {
  type ConsentConfig,
  connectorConsentOptions,
  consentSlots,
} from "../core/consent-config.ts";
import type { EngagementConfig } from "../core/engagement-config.ts";
import { createIdentity, type Identity } from "../core/identity.ts";
import { sourceFieldsToRead } from "../core/mapping.ts";
import { buildMappingSet, type MappingSet } from "../core/mapping-set.ts";
import type { ScoringRules } from "../core/scoring/rules.ts";
import { createApp } from "../http/app.ts";
import type { SandboxInfo } from "../http/deps.ts";
import type { Imports } from "../import/index.ts";
import { describeError, type Logger } from "../logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import type { Store } from "../store/index.ts";
import { createMatcher, type FitElsewhere } from "../sync/dedupe.ts";
import { createEngine, type EngineApi, type EngineDeps } from "../sync/engine.ts";
import type { PairsElsewhere } from "../sync/merge.ts";
import type { HubConfig, HubspotSettings, MarketoSettings, SalesforceSettings } from "./config.ts";
import {
  readConsentConfig,
  readEngagementConfig,
  readMappingFiles,
  readMatchingConfig,
  readScoringRules,
} from "./load-mappings.ts";
import type { MappingFolder } from "./mapping-folder.ts";

/** Where each enabled system is reached: configured credentials, or a simulator's. */
export interface SystemSettings {
  hubspot: HubspotSettings | null;
  salesforce: SalesforceSettings | null;
  marketo: MarketoSettings | null;
}

export interface HubFiles {
  mappings: MappingSet;
  consent: ConsentConfig;
  engagement: EngagementConfig;
  scoring: ScoringRules;
  identity: Identity;
}

/** Reads and checks the mappings folder; a bad file stops the start, naming file and field. */
export function loadHubFiles(
  folder: MappingFolder,
  config: Pick<HubConfig, "systems" | "salesforceTargetObject">,
): HubFiles {
  const mappings = buildMappingSet(
    readMappingFiles(folder, config.systems),
    (
      [
        { system: "hubspot", createObject: "contact" },
        { system: "salesforce", createObject: config.salesforceTargetObject },
        { system: "marketo", createObject: "lead" },
      ] as const
    ).filter((t) => config.systems.includes(t.system)),
  );
  return {
    mappings,
    consent: readConsentConfig(folder),
    engagement: readEngagementConfig(folder),
    scoring: readScoringRules(folder),
    identity: createIdentity(readMatchingConfig(folder)),
  };
}

/** What differs between runtimes when connectors are built. */
export interface ConnectorRuntime {
  /** jsforce on Node; fetch on Workers (jsforce needs Node's http stack). */
  salesforceConnect: ConnectionFactory;
  /** Fleet-wide rate limits (Workers); without it each connector limits this process only. */
  fleet?: FleetGates;
  /** Counts API calls and rate-limit answers per system. */
  metrics?: Metrics;
}

export function createConnectors(
  settings: SystemSettings,
  files: HubFiles,
  runtime: ConnectorRuntime,
): Map<SystemName, Connector> {
  const { mappings } = files;
  const consent = connectorConsentOptions(files.consent);
  const shared = {
    ...(runtime.fleet ? { fleet: runtime.fleet } : {}),
    ...(runtime.metrics ? { metrics: runtime.metrics } : {}),
  };
  const connectors = new Map<SystemName, Connector>();
  if (settings.hubspot) {
    const hubspot = settings.hubspot;
    connectors.set(
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
        consent: consent.hubspot,
        ...shared,
      }),
    );
  }
  if (settings.salesforce) {
    const salesforce = settings.salesforce;
    connectors.set(
      "salesforce",
      createSalesforceConnector({
        ...salesforce.credentials,
        connect: runtime.salesforceConnect,
        version: salesforce.apiVersion,
        // Salesforce publishes no per-second limit; this cap protects the daily allocation.
        rateLimit: { requests: salesforce.requestsPerSecond, perMs: 1000, concurrency: 10 },
        objects: ["Lead", "Contact"],
        fields: {
          Lead: sourceFieldsToRead(mappings.get("salesforce", "Lead")!),
          Contact: sourceFieldsToRead(mappings.get("salesforce", "Contact")!),
        },
        consent: consent.salesforce,
        ...shared,
      }),
    );
  }
  if (settings.marketo) {
    const marketo = settings.marketo;
    connectors.set(
      "marketo",
      createMarketoConnector({
        baseUrl: marketo.baseUrl,
        clientId: marketo.clientId,
        clientSecret: marketo.clientSecret,
        fields: sourceFieldsToRead(mappings.get("marketo", "lead")!),
        // Marketo's limits are shared by every integration on the instance: keep 10 % back.
        rateLimit: {
          requests: Math.max(1, Math.floor(marketo.rateLimit.requests * 0.9)),
          perMs: marketo.rateLimit.perMs,
          concurrency: Math.max(1, marketo.concurrency - 2),
        },
        ...shared,
      }),
    );
  }
  return connectors;
}

export interface AssembleInput {
  config: Pick<HubConfig, "adminToken" | "publicUrl">;
  settings: SystemSettings;
  files: HubFiles;
  store: Store;
  connectors: Map<SystemName, Connector>;
  logger: Logger;
  /** Mappings including CSV sources, when this runtime imports CSV files. */
  imports?: Imports;
  dispatch?: EngineDeps["dispatch"];
  sandbox?: () => SandboxInfo | undefined;
  metrics?: Metrics;
  pageRecords?: number;
  /** Where refits and dedupe scans run (Node: threads of their own); in the engine's thread without it. */
  matchElsewhere?: { fit: FitElsewhere; pairs: PairsElsewhere };
  /** How the engine's lanes start the next task (src/sync/serial.ts LaneOptions.handOver). */
  handOver?: (next: () => void) => void;
}

/** The engine and the HTTP app over a store and connectors: the same on every runtime. */
export function assembleHub(input: AssembleInput) {
  const engine = assembleEngine(input);
  return { engine, app: assembleApp(input, engine) };
}

/** The sync engine over a store and connectors (on Node it runs in its own thread). */
export function assembleEngine(
  input: Pick<
    AssembleInput,
    | "files"
    | "store"
    | "connectors"
    | "logger"
    | "imports"
    | "dispatch"
    | "metrics"
    | "pageRecords"
    | "matchElsewhere"
    | "handOver"
  >,
) {
  const { files } = input;
  return createEngine({
    store: input.store,
    connectors: input.connectors,
    mappings: input.imports?.mappings ?? files.mappings,
    consentSlots: consentSlots(files.consent),
    engagement: files.engagement,
    identity: files.identity,
    matcher: createMatcher({
      ...(input.matchElsewhere ? { fitElsewhere: input.matchElsewhere.fit } : {}),
      onFitError: (error) =>
        input.logger.warn("matcher refit failed; the current model stays", {
          error: describeError(error),
        }),
    }),
    scoring: files.scoring,
    logger: input.logger,
    now: Date.now,
    newId: () => crypto.randomUUID(),
    ...(input.dispatch ? { dispatch: input.dispatch } : {}),
    ...(input.metrics ? { metrics: input.metrics } : {}),
    ...(input.pageRecords ? { pageRecords: input.pageRecords } : {}),
    ...(input.matchElsewhere ? { pairsElsewhere: input.matchElsewhere.pairs } : {}),
    ...(input.handOver ? { handOver: input.handOver } : {}),
  });
}

/** The HTTP app: webhooks, the ops API, health and metrics, in front of an engine. */
export function assembleApp(
  input: Omit<AssembleInput, "dispatch" | "connectors">,
  engine: EngineApi,
) {
  const { config, settings, files, store, logger } = input;
  const connected = (Object.keys(settings) as SystemName[]).filter(
    (system) => settings[system as keyof SystemSettings] !== null,
  );
  return createApp(
    {
      store,
      engine,
      logger,
      now: Date.now,
      adminToken: config.adminToken,
      consent: files.consent,
      scoring: files.scoring,
      ...(settings.hubspot
        ? {
            hubspot: {
              clientSecret: settings.hubspot.clientSecret,
              ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
            },
          }
        : {}),
      ...(settings.salesforce
        ? { salesforce: { organizationId: settings.salesforce.organizationId } }
        : {}),
      ...(settings.marketo ? { marketo: { webhookSecret: settings.marketo.webhookSecret } } : {}),
      ...(input.sandbox ? { sandbox: input.sandbox } : {}),
      ...(input.imports ? { imports: input.imports } : {}),
      ...(input.metrics ? { metrics: input.metrics } : {}),
    },
    () => connected,
  );
}
