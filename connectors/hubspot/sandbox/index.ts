/**
 * A faithful local simulator of HubSpot's CRM contacts API, served over real HTTP on loopback.
 * Point the official client at `baseUrl`: `new Client({ accessToken, basePath: baseUrl })`.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RunningSandbox, SandboxRequestLogEntry } from "../../../src/sandbox/contract.ts";
import { createSandboxApp, HttpError, type SandboxState } from "./app.ts";
import {
  type ConsentChange,
  ConsentStore,
  DEFAULT_SUBSCRIPTIONS,
  type SubscriptionDefinitionSeed,
} from "./consent-store.ts";
import { EngagementStore } from "./engagement-store.ts";
import { FaultInjector, RollingWindow } from "./limits.ts";
import type { EmailEventType } from "./marketing-store.ts";
import { MarketingStore } from "./marketing-store.ts";
import { type AdminOps, adminOps } from "./routes-admin.ts";
import { ContactStore, type PropertyDefinition } from "./store.ts";
import { WebhookSender } from "./webhook-sender.ts";

export type { StatusState, SubscriptionDefinitionSeed } from "./consent-store.ts";
export type { EngagementObject } from "./engagement-store.ts";
export type { FaultSpec } from "./limits.ts";
export type { EmailEventType } from "./marketing-store.ts";
export type { PropertyDefinition } from "./store.ts";

/**
 * The contact property a subscription change shows up in (and fires `contact.propertyChange`
 * for): `hs_email_optout` for "unsubscribed from all", `hs_email_optout_<subscriptionId>` per
 * subscription; "true" = opted out, "false" = subscribed, "" = no status.
 */
export function optoutPropertyOf(change: Pick<ConsentChange, "subscriptionId" | "status">): {
  name: string;
  value: string;
} {
  if (change.subscriptionId === "all") {
    return { name: "hs_email_optout", value: change.status === "UNSUBSCRIBED" ? "true" : "false" };
  }
  const value =
    change.status === "UNSUBSCRIBED" ? "true" : change.status === "SUBSCRIBED" ? "false" : "";
  return { name: `hs_email_optout_${change.subscriptionId}`, value };
}

export const DEFAULT_HUBSPOT_SANDBOX_TOKEN = "pat-sandbox-00000000-0000-4000-8000-000000000000";
export const DEFAULT_HUBSPOT_SANDBOX_CLIENT_SECRET = "sandbox-client-secret";

export interface HubspotSandboxOptions {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  host?: "127.0.0.1";
  accessToken?: string;
  /** Signs webhook deliveries (v3). */
  clientSecret?: string;
  portalId?: number;
  appId?: number;
  webhookUrl?: string | null;
  /** General rolling limit over all API calls; default 190 per 10,000 ms. */
  rateLimit?: { requests: number; perMs: number };
  /** Search requests per rolling second; default 5. */
  searchPerSecond?: number;
  /** Contacts inserted silently (no webhooks), backdated 1 ms apart, oldest first. */
  seed?: Array<Record<string, string>>;
  /** Give every seeded contact this one createdate/lastmodifieddate (like a bulk import). */
  seedModifiedAt?: number;
  /** Custom properties beyond the built-in catalog. */
  extraProperties?: Record<string, PropertyDefinition>;
  webhookBatchDelayMs?: number;
  webhookRetryBaseMs?: number;
  /** Email subscription types; default 1001 Marketing Information, 1002 Newsletter, 1003 Product updates. */
  subscriptions?: SubscriptionDefinitionSeed[];
  /** GDPR tools on (default true): subscribing requires a legal basis. */
  gdprEnabled?: boolean;
}

/**
 * The running simulator: the admin operations (like a user in the HubSpot UI, firing
 * webhooks; see AdminOps) plus reads and switches that are not API calls.
 */
export interface RunningHubspotSandbox extends RunningSandbox, Omit<AdminOps, "addEmailEvent"> {
  readonly port: number;
  readonly clientSecret: string;
  readonly portalId: number;
  contactCount(): number;
  clearFaults(): void;
  /** The stored state of an email (not an API call): status per subscription id, and "all". */
  getSubscriptions(email: string): Record<string, { status: string; legalBasis?: string }>;
  /**
   * A marketing-email event (`/email/public/v1/events`) for an address, with or without a
   * contact. `props` may set `created` (epoch ms), `id`, `emailCampaignId`, `url` (CLICK), ...
   */
  addEmailEvent(
    recipient: string,
    type: EmailEventType,
    props?: Record<string, unknown>,
  ): Record<string, unknown>;
}

/** The admin operations for programmatic callers: an HttpError becomes a plain Error. */
function throwingPlainErrors(ops: AdminOps): AdminOps {
  return Object.fromEntries(
    Object.entries(ops).map(([name, op]) => [
      name,
      (...args: unknown[]) => unwrap(() => (op as (...a: unknown[]) => unknown)(...args)),
    ]),
  ) as unknown as AdminOps;
}

function unwrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof HttpError) {
      const body = error.body as { message?: string };
      throw new Error(`HubSpot sandbox ${error.status}: ${body.message ?? ""}`);
    }
    throw error;
  }
}

export async function startHubspotSandbox(
  options: HubspotSandboxOptions = {},
): Promise<RunningHubspotSandbox> {
  const host = options.host ?? "127.0.0.1";
  const accessToken = options.accessToken ?? DEFAULT_HUBSPOT_SANDBOX_TOKEN;
  const clientSecret = options.clientSecret ?? DEFAULT_HUBSPOT_SANDBOX_CLIENT_SECRET;
  const portalId = options.portalId ?? 62515;
  const store = new ContactStore(options.extraProperties);
  const seed = options.seed ?? [];
  const seedStart = Date.now() - seed.length - 1;
  seed.forEach((properties, index) => {
    store.create(properties, "INTEGRATION", {
      silent: true,
      at: options.seedModifiedAt ?? seedStart + index,
    });
  });
  const sender = new WebhookSender({
    url: options.webhookUrl ?? null,
    clientSecret,
    portalId,
    appId: options.appId ?? 54321,
    batchDelayMs: options.webhookBatchDelayMs ?? 50,
    retryBaseMs: options.webhookRetryBaseMs ?? 1000,
  });
  store.onChange((change) => sender.enqueue(change));
  const subscriptions = options.subscriptions ?? DEFAULT_SUBSCRIPTIONS;
  for (const seed of subscriptions) {
    store.catalog.set(`hs_email_optout_${seed.id}`, { type: "enumeration", readOnly: true });
  }
  const consent = new ConsentStore(subscriptions, () => store.tick());
  // Status changes show on the contact as opt-out properties, which is what fires webhooks.
  consent.onChange((change) => {
    const contact = store.getByEmail(change.email);
    if (!contact) return;
    const { name, value } = optoutPropertyOf(change);
    store.update(contact.id, { [name]: value }, change.source);
  });
  const engagements = new EngagementStore(() => store.tick());
  const log: SandboxRequestLogEntry[] = [];
  const state: SandboxState = {
    store,
    consent,
    engagements,
    marketing: new MarketingStore(() => store.tick()),
    portalId,
    gdprEnabled: options.gdprEnabled ?? true,
    sender,
    accessToken,
    general: new RollingWindow(
      options.rateLimit?.requests ?? 190,
      options.rateLimit?.perMs ?? 10_000,
    ),
    search: new RollingWindow(options.searchPerSecond ?? 5, 1000),
    faults: new FaultInjector(),
    log,
  };
  const app = createSandboxApp(state);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const server = serve(
        {
          fetch: app.fetch,
          port: options.port ?? 4010,
          hostname: host,
          overrideGlobalObjects: false,
        },
        (info: AddressInfo) => resolve({ server, port: info.port }),
      );
      server.once("error", reject);
    },
  );
  const ops = adminOps(state);
  const baseUrl = `http://${host}:${port}`;
  return {
    baseUrl,
    port,
    accessToken,
    clientSecret,
    portalId,
    setWebhookTarget: (url) => sender.setUrl(url),
    requests: () => log.map((entry) => ({ ...entry })),
    clearRequests: () => {
      log.length = 0;
    },
    webhooksIdle: () => sender.idle(),
    ...throwingPlainErrors(ops),
    contactCount: () => store.size,
    clearFaults: () => state.faults.clear(),
    getSubscriptions: (email) => {
      const subscriber = consent.subscriber(email);
      const out: Record<string, { status: string; legalBasis?: string }> = {};
      for (const [id, stored] of subscriber?.statuses ?? []) {
        out[id] = {
          status: stored.status,
          ...(stored.legalBasis ? { legalBasis: stored.legalBasis } : {}),
        };
      }
      if (subscriber?.unsubscribedAll) out.all = { status: "UNSUBSCRIBED" };
      return out;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        sender.close();
        server.close((error) => (error ? reject(error) : resolve()));
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
