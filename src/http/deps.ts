import type { ConsentConfig } from "../core/consent-config.ts";
import type { ScoringRules } from "../core/scoring/rules.ts";
import type { Imports } from "../import/index.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import type { Store } from "../store/index.ts";
import type { EngineApi } from "../sync/engine.ts";

export interface SandboxInfo {
  hubspot?: { baseUrl: string; accessToken: string };
  salesforce?: { instanceUrl: string; accessToken: string };
  marketo?: { baseUrl: string; clientId: string; clientSecret: string };
}

/** What the HTTP layer needs; the Node and Workers entries inject their own implementations. */
export interface AppDeps {
  store: Store;
  engine: EngineApi;
  logger: Logger;
  now: () => number;
  adminToken: string;
  consent: ConsentConfig;
  scoring: ScoringRules;
  hubspot?: { clientSecret: string; publicUrl?: string };
  salesforce?: { organizationId: string };
  marketo?: { webhookSecret: string };
  /** CSV imports (mappings by name, upload folder); without it /v1/imports answers 503. */
  imports?: Imports;
  sandbox?: () => SandboxInfo | undefined;
  /** Webhook ack latency is recorded into it and GET /metrics renders it; without it /metrics answers 404. */
  metrics?: Metrics;
}
