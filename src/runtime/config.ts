import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { SalesforceCredentials } from "../../connectors/salesforce/index.ts";

const SYSTEMS = ["hubspot", "salesforce", "marketo"] as const;
type ApiSystem = (typeof SYSTEMS)[number];

/** The mappings shipped with the hub, wherever it is started from (Node; Workers bundle them). */
const shippedMappings = () => fileURLToPath(new URL("../../mappings", import.meta.url));

const optional = z.string().trim().min(1).optional();
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Environment variables the hub reads; every one has a default that works on a laptop. */
const EnvSchema = z.object({
  PORT: port(8787),
  HOST: z.string().default("127.0.0.1"),
  TSUNAGU_DB: z.string().default("./data/tsunagu.db"),
  TSUNAGU_ADMIN_TOKEN: optional,
  TSUNAGU_SYNC_CRON: z.string().default("*/5 * * * *"),
  TSUNAGU_RESCORE_CRON: z.string().default("17 3 * * *"),
  TSUNAGU_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 ** 31),
  TSUNAGU_PUBLIC_URL: z.url().optional(),
  TSUNAGU_MAPPINGS: optional,
  TSUNAGU_SYSTEMS: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()))
    .pipe(z.array(z.enum(["hubspot", "salesforce", "marketo"])).min(1))
    .optional(),
  TSUNAGU_SANDBOX_PEOPLE: z.coerce.number().int().min(0).max(100_000).default(60),
  TSUNAGU_SANDBOX_HUBSPOT_PORT: port(4010),
  TSUNAGU_SANDBOX_SALESFORCE_PORT: port(4011),
  TSUNAGU_SANDBOX_MARKETO_PORT: port(4012),
  HUBSPOT_ACCESS_TOKEN: optional,
  HUBSPOT_CLIENT_SECRET: optional,
  HUBSPOT_BASE_URL: z.url().default("https://api.hubapi.com"),
  HUBSPOT_REQUESTS_PER_10S: z.coerce.number().int().min(1).default(100),
  HUBSPOT_SEARCH_PER_SECOND: z.coerce.number().int().min(1).default(5),
  SALESFORCE_INSTANCE_URL: z.url().optional(),
  SALESFORCE_ACCESS_TOKEN: optional,
  SALESFORCE_ORG_ID: optional,
  SALESFORCE_LOGIN_URL: z.url().optional(),
  SALESFORCE_CLIENT_ID: optional,
  SALESFORCE_CLIENT_SECRET: optional,
  SALESFORCE_BASE_URL: z.url().optional(),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d+\.\d$/)
    .default("62.0"),
  SALESFORCE_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).default(50),
  SALESFORCE_TARGET_OBJECT: z.enum(["Lead", "Contact"]).default("Lead"),
  MARKETO_BASE_URL: z.url().optional(),
  MARKETO_CLIENT_ID: optional,
  MARKETO_CLIENT_SECRET: optional,
  MARKETO_WEBHOOK_SECRET: optional,
  MARKETO_REQUESTS_PER_WINDOW: z.coerce.number().int().min(1).default(100),
  MARKETO_RATE_WINDOW_MS: z.coerce.number().int().min(100).default(20_000),
  MARKETO_CONCURRENCY: z.coerce.number().int().min(1).max(10).default(10),
});

export type Env = z.infer<typeof EnvSchema>;

export interface HubspotSettings {
  accessToken: string;
  clientSecret: string;
  baseUrl: string;
  requestsPer10s: number;
  searchPerSecond: number;
}
export interface MarketoSettings {
  /** The instance root, e.g. https://123-ABC-456.mktorest.com (no /rest). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Shared secret Marketo's webhooks send in X-Tsunagu-Webhook-Secret. */
  webhookSecret: string;
  /** Marketo's published limit: 100 calls per 20 s per instance. */
  rateLimit: { requests: number; perMs: number };
  concurrency: number;
}
export interface SalesforceSettings {
  /** A session token, or OAuth client credentials the connector exchanges (and renews) itself. */
  credentials: SalesforceCredentials;
  organizationId: string;
  apiVersion: string;
  requestsPerSecond: number;
}

export interface HubConfig {
  port: number;
  host: string;
  dbPath: string;
  adminToken: string;
  syncCron: string;
  /** When decay is applied to every score (a rescore job). */
  rescoreCron: string;
  /** The largest CSV upload accepted. */
  importMaxBytes: number;
  publicUrl?: string;
  mappingsDir: string;
  /** null: no credentials, so the built-in simulator stands in. */
  hubspot: HubspotSettings | null;
  salesforce: SalesforceSettings | null;
  marketo: MarketoSettings | null;
  /** The systems the hub syncs; those without credentials run as local simulators. */
  systems: ApiSystem[];
  sandbox: { people: number; hubspotPort: number; salesforcePort: number; marketoPort: number };
  salesforceTargetObject: "Lead" | "Contact";
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The admin token used when only simulators are connected; with real credentials one must be set. */
export const SANDBOX_ADMIN_TOKEN = "sandbox-admin-token";

export function loadConfig(source: Record<string, string | undefined>): HubConfig {
  // An empty variable (`SALESFORCE_ACCESS_TOKEN=` in an .env file) means unset.
  const set = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`environment variable ${issue.path.join(".")}: ${issue.message}`);
  }
  const env = parsed.data;
  const hubspot = env.HUBSPOT_ACCESS_TOKEN ? hubspotSettings(env) : null;
  const wantsSalesforce = [
    env.SALESFORCE_ACCESS_TOKEN,
    env.SALESFORCE_INSTANCE_URL,
    env.SALESFORCE_CLIENT_ID,
    env.SALESFORCE_LOGIN_URL,
  ].some(Boolean);
  const salesforce = wantsSalesforce ? salesforceSettings(env) : null;
  const wantsMarketo = [
    env.MARKETO_BASE_URL,
    env.MARKETO_CLIENT_ID,
    env.MARKETO_CLIENT_SECRET,
  ].some(Boolean);
  const marketo = wantsMarketo ? marketoSettings(env) : null;
  const credentialed = { hubspot, salesforce, marketo };
  const anyReal = Object.values(credentialed).some(Boolean);
  if (anyReal && !env.TSUNAGU_ADMIN_TOKEN) {
    throw new ConfigError(
      "environment variable TSUNAGU_ADMIN_TOKEN: required when real credentials are configured",
    );
  }
  return {
    port: env.PORT,
    host: env.HOST,
    dbPath: env.TSUNAGU_DB,
    adminToken: env.TSUNAGU_ADMIN_TOKEN ?? SANDBOX_ADMIN_TOKEN,
    syncCron: env.TSUNAGU_SYNC_CRON,
    rescoreCron: env.TSUNAGU_RESCORE_CRON,
    importMaxBytes: env.TSUNAGU_IMPORT_MAX_BYTES,
    ...(env.TSUNAGU_PUBLIC_URL ? { publicUrl: env.TSUNAGU_PUBLIC_URL } : {}),
    mappingsDir: env.TSUNAGU_MAPPINGS ?? shippedMappings(),
    // With no credentials at all, every system is simulated; once some are real, only those
    // are connected (a simulator must never receive real people) unless TSUNAGU_SYSTEMS says.
    systems:
      env.TSUNAGU_SYSTEMS ?? SYSTEMS.filter((system) => !anyReal || credentialed[system] !== null),
    hubspot,
    salesforce,
    marketo,
    sandbox: {
      people: env.TSUNAGU_SANDBOX_PEOPLE,
      hubspotPort: env.TSUNAGU_SANDBOX_HUBSPOT_PORT,
      salesforcePort: env.TSUNAGU_SANDBOX_SALESFORCE_PORT,
      marketoPort: env.TSUNAGU_SANDBOX_MARKETO_PORT,
    },
    salesforceTargetObject: env.SALESFORCE_TARGET_OBJECT,
  };
}

function hubspotSettings(env: Env): HubspotSettings {
  if (!env.HUBSPOT_CLIENT_SECRET) {
    throw new ConfigError(
      "environment variable HUBSPOT_CLIENT_SECRET: required with HUBSPOT_ACCESS_TOKEN (webhook signatures)",
    );
  }
  return {
    accessToken: env.HUBSPOT_ACCESS_TOKEN!,
    clientSecret: env.HUBSPOT_CLIENT_SECRET,
    baseUrl: env.HUBSPOT_BASE_URL.replace(/\/$/, ""),
    requestsPer10s: env.HUBSPOT_REQUESTS_PER_10S,
    searchPerSecond: env.HUBSPOT_SEARCH_PER_SECOND,
  };
}

function marketoSettings(env: Env): MarketoSettings {
  for (const [name, value] of [
    ["MARKETO_BASE_URL", env.MARKETO_BASE_URL],
    ["MARKETO_CLIENT_ID", env.MARKETO_CLIENT_ID],
    ["MARKETO_CLIENT_SECRET", env.MARKETO_CLIENT_SECRET],
    ["MARKETO_WEBHOOK_SECRET", env.MARKETO_WEBHOOK_SECRET],
  ] as const) {
    if (!value) throw new ConfigError(`environment variable ${name}: required to connect Marketo`);
  }
  return {
    baseUrl: env.MARKETO_BASE_URL!.replace(/\/(rest\/?)?$/, ""),
    clientId: env.MARKETO_CLIENT_ID!,
    clientSecret: env.MARKETO_CLIENT_SECRET!,
    webhookSecret: env.MARKETO_WEBHOOK_SECRET!,
    rateLimit: { requests: env.MARKETO_REQUESTS_PER_WINDOW, perMs: env.MARKETO_RATE_WINDOW_MS },
    concurrency: env.MARKETO_CONCURRENCY,
  };
}

function salesforceSettings(env: Env): SalesforceSettings {
  const oauth = Boolean(
    env.SALESFORCE_CLIENT_ID || env.SALESFORCE_CLIENT_SECRET || env.SALESFORCE_LOGIN_URL,
  );
  if (oauth && env.SALESFORCE_ACCESS_TOKEN) {
    throw new ConfigError(
      "environment variable SALESFORCE_ACCESS_TOKEN: set either an access token or client credentials (SALESFORCE_CLIENT_ID), not both",
    );
  }
  const instanceUrl = env.SALESFORCE_BASE_URL ?? env.SALESFORCE_INSTANCE_URL;
  const required: [string, string | undefined][] = oauth
    ? [
        ["SALESFORCE_LOGIN_URL", env.SALESFORCE_LOGIN_URL],
        ["SALESFORCE_CLIENT_ID", env.SALESFORCE_CLIENT_ID],
        ["SALESFORCE_CLIENT_SECRET", env.SALESFORCE_CLIENT_SECRET],
      ]
    : [
        ["SALESFORCE_INSTANCE_URL", instanceUrl],
        ["SALESFORCE_ACCESS_TOKEN", env.SALESFORCE_ACCESS_TOKEN],
      ];
  for (const [name, value] of [
    ...required,
    ["SALESFORCE_ORG_ID", env.SALESFORCE_ORG_ID] as const,
  ]) {
    if (!value)
      throw new ConfigError(`environment variable ${name}: required to connect Salesforce`);
  }
  return {
    credentials: oauth
      ? {
          auth: {
            kind: "client_credentials",
            loginUrl: env.SALESFORCE_LOGIN_URL!.replace(/\/$/, ""),
            clientId: env.SALESFORCE_CLIENT_ID!,
            clientSecret: env.SALESFORCE_CLIENT_SECRET!,
          },
        }
      : { instanceUrl: instanceUrl!.replace(/\/$/, ""), accessToken: env.SALESFORCE_ACCESS_TOKEN! },
    organizationId: env.SALESFORCE_ORG_ID!,
    apiVersion: env.SALESFORCE_API_VERSION,
    requestsPerSecond: env.SALESFORCE_REQUESTS_PER_SECOND,
  };
}
