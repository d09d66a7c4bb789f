/**
 * A local Marketo Engage instance over real HTTP: the identity service, the REST lead and
 * activity endpoints tsunagu uses, Marketo's HTTP-200 error envelope and limits, and a
 * smart-campaign webhook on every lead create/change. `baseUrl` is the instance root, as
 * `https://123-ABC-456.mktorest.com` would be: `{baseUrl}/identity/oauth/token`,
 * `{baseUrl}/rest/v1/...`.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RunningSandbox } from "../../../src/sandbox/contract.ts";
import { ActivityLog } from "./activities.ts";
import { type AdminOps, adminOps } from "./admin.ts";
import { createSandboxApp } from "./app.ts";
import { FieldCatalogue, type LeadField, type StoredValue } from "./fields.ts";
import {
  DailyQuota,
  FaultInjector,
  InFlight,
  type MarketoRequestLogEntry,
  maxInWindow,
  RollingWindow,
} from "./limits.ts";
import type { SandboxState } from "./state.ts";
import { LeadStore } from "./store.ts";
import { TokenRegistry } from "./tokens.ts";
import { type WebhookDelivery, WebhookSender } from "./webhook-sender.ts";

export type { ActivityKind, AddActivityInput, AdminLead, AdminOps } from "./admin.ts";
export { ACTIVITY_KIND_IDS } from "./admin.ts";
export type { LeadField, MarketoDataType, StoredValue } from "./fields.ts";
export type { FaultSpec, MarketoRequestLogEntry } from "./limits.ts";
export { marketoSeed } from "./seed.ts";
export type { WebhookDelivery, WebhookPayload } from "./webhook-sender.ts";

export const DEFAULT_MARKETO_SANDBOX_PORT = 4012;
export const DEFAULT_MARKETO_CLIENT_ID = "3f2b9c1e-7d4a-4e8b-9a61-sandbox00001";
export const DEFAULT_MARKETO_CLIENT_SECRET = "sandboxMarketoClientSecret0123456789";
export const DEFAULT_MARKETO_WEBHOOK_SECRET = "sandbox-marketo-webhook-secret";

export interface MarketoSandboxOptions {
  /** Default 4012; 0 picks a free port. */
  port?: number;
  host?: "127.0.0.1";
  clientId?: string;
  clientSecret?: string;
  /** Leads inserted without webhooks, with New Lead activities 1 s apart ending now. */
  seed?: Array<Record<string, StoredValue>>;
  /** Custom lead fields beyond the built-in catalogue (which has tsunaguScore/Grade). */
  extraFields?: LeadField[];
  /** Rolling window of REST calls; default 100 per 20,000 ms (606 beyond). */
  rateLimit?: { requests: number; perMs: number };
  /** REST calls in flight; default 10 (615 beyond). */
  concurrency?: number;
  /** REST calls per day (resets at midnight US Central); default 50,000 (607 beyond). */
  dailyQuota?: number;
  /** Access token lifetime; default 3,600 s. */
  tokenTtlSeconds?: number;
  /** Activities examined per activities.json call (default 500): smaller makes more short pages. */
  activityScanSize?: number;
  /** Delay added to every REST call in ms (default 0). */
  latencyMs?: number;
  webhookUrl?: string | null;
  /** Sent in the X-Tsunagu-Webhook-Secret header of every webhook call. */
  webhookSecret?: string;
  /** Marketo does not retry failed webhook calls (default 0). */
  webhookRetries?: number;
}

/**
 * The running simulator. `accessToken` is a currently valid token (reading it issues one
 * when none is valid, exactly like a call to the identity service, so it is never empty);
 * clients that authenticate themselves use `clientId`/`clientSecret`.
 */
export interface RunningMarketoSandbox extends RunningSandbox, AdminOps {
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookSecret: string;
  requests(): MarketoRequestLogEntry[];
  /** Most REST calls (refused ones included) that arrived within any `perMs` window. */
  maxCallsInWindow(perMs: number): number;
  /** Most REST calls in flight at once since start (or the last clearRequests). */
  maxInFlight(): number;
  webhookDeliveries(): WebhookDelivery[];
  leadCount(): number;
}

export async function startMarketoSandbox(
  options: MarketoSandboxOptions = {},
): Promise<RunningMarketoSandbox> {
  const clientId = options.clientId ?? DEFAULT_MARKETO_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_MARKETO_CLIENT_SECRET;
  const webhookSecret = options.webhookSecret ?? DEFAULT_MARKETO_WEBHOOK_SECRET;
  const activities = new ActivityLog();
  const store = new LeadStore(new FieldCatalogue(options.extraFields), activities);
  const seed = options.seed ?? [];
  const seedStart = Date.now() - seed.length * 1000;
  seed.forEach((fields, i) => {
    const checked = store.validate(fields);
    if (!checked.ok) throw new Error(`Marketo sandbox seed[${i}]: ${checked.reason.message}`);
    store.create(checked.values, "seed", seedStart + i * 1000);
  });
  const sender = new WebhookSender({
    url: options.webhookUrl ?? null,
    secret: webhookSecret,
    retries: options.webhookRetries ?? 0,
  });
  store.onChange((change) => sender.enqueue(change));
  const state: SandboxState = {
    clientId,
    clientSecret,
    store,
    activities,
    tokens: new TokenRegistry(options.tokenTtlSeconds ?? 3600),
    rate: new RollingWindow(options.rateLimit?.requests ?? 100, options.rateLimit?.perMs ?? 20_000),
    quota: new DailyQuota(options.dailyQuota ?? 50_000),
    concurrency: options.concurrency ?? 10,
    inFlight: new InFlight(),
    faults: new FaultInjector(),
    log: [],
    sender,
    activityScanSize: options.activityScanSize ?? 500,
    latencyMs: options.latencyMs ?? 0,
  };
  const ops = adminOps(state);
  const extras = {
    requests: () => state.log.map((entry) => ({ ...entry })),
    clearRequests: () => {
      state.log.length = 0;
      state.inFlight.peak = state.inFlight.current;
    },
    setWebhookTarget: (url: string | null) => sender.setUrl(url),
  };
  const app = createSandboxApp(state, ops, extras);
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port ?? DEFAULT_MARKETO_SANDBOX_PORT,
        hostname: host,
        overrideGlobalObjects: false,
      },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const rest = () => state.log.filter((e) => e.path.startsWith("/rest/"));
  return {
    ...ops,
    ...extras,
    baseUrl: `http://${host}:${port}`,
    port,
    clientId,
    clientSecret,
    webhookSecret,
    get accessToken() {
      return state.tokens.issue().value;
    },
    maxCallsInWindow: (perMs) => maxInWindow(rest(), perMs),
    maxInFlight: () => state.inFlight.peak,
    webhookDeliveries: () => [...sender.deliveries],
    webhooksIdle: () => sender.idle(),
    leadCount: () => store.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        sender.close();
        server.close((error) => (error ? reject(error) : resolve()));
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
