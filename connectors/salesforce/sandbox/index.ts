/**
 * A local Salesforce org over real HTTP: the REST subset tsunagu uses (query, sObject and
 * sObject Collections), its error bodies, daily API usage in `Sforce-Limit-Info`, and
 * Outbound Messages on every create/edit, and the OAuth client-credentials token endpoint.
 * Point jsforce at it with
 * `new Connection({ instanceUrl: sandbox.baseUrl, accessToken: sandbox.accessToken, version: '62.0' })`,
 * or get a token at `POST {baseUrl}/services/oauth2/token` with `sandbox.clientId` and
 * `sandbox.clientSecret`. `expireSessions()` makes every token (the static one too) answer 401.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { RunningSandbox, SandboxRequestLogEntry } from "../../../src/sandbox/contract.ts";
import { type AdminApi, AdminError, adminView, type Fault, registerAdminRoutes } from "./admin.ts";
import { registerCollectionRoutes } from "./collections.ts";
import { createSessionRegistry, registerOAuthRoutes } from "./oauth.ts";
import { OutboundQueue } from "./outbound.ts";
import { notFound, sfError } from "./present.ts";
import { registerRestRoutes } from "./rest.ts";
import { type FieldValue, PERSON_TYPES, type SObjectType, to18 } from "./schema.ts";
import { registerSoapRoutes } from "./soap.ts";
import { OrgStore } from "./store.ts";

export type { Fault } from "./admin.ts";
export type { SObjectType } from "./schema.ts";

export const DEFAULT_DATA_USE_PURPOSES = ["Marketing", "Newsletter", "Product updates"];
export const DEFAULT_SANDBOX_TOKEN = "00D5g000004SbxQ!sandbox.salesforce.token";
export const DEFAULT_ORGANIZATION_ID = to18("00D5g000004SbxQ");
/** Consumer key and secret the token endpoint accepts unless others are configured. */
export const DEFAULT_SANDBOX_CLIENT_ID = "3MVG9sandbox.tsunagu.ConsumerKey.client.credentials";
export const DEFAULT_SANDBOX_CLIENT_SECRET = "5A1D0C9E7B3F4E2A8C6D1B0F9E8D7C6B5A4F3E2D1C0B9A8F";
/** The Run As user of the client-credentials app (in the token answer's `id`). */
const RUN_AS_USER_ID = to18("0055g000004SbxQ");

export interface SalesforceSandboxOptions {
  port?: number;
  host?: "127.0.0.1";
  accessToken?: string;
  /** Client-credentials app accepted by POST /services/oauth2/token. */
  clientId?: string;
  clientSecret?: string;
  organizationId?: string;
  webhookUrl?: string | null;
  dailyApiLimit?: number;
  queryPageSize?: number;
  seed?: Array<{ type: SObjectType; fields: Record<string, FieldValue> }>;
  /** DataUsePurpose records created before `seed` (default Marketing, Newsletter, Product updates). */
  dataUsePurposes?: string[];
  outboundBatchDelayMs?: number;
  outboundRetryBaseMs?: number;
  /** Deliveries of one message before giving up (Salesforce tries for 24 h). */
  outboundMaxAttempts?: number;
}

export interface RunningSalesforceSandbox
  extends RunningSandbox,
    Omit<AdminApi, "setWebhookTarget" | "requests" | "clearRequests"> {
  readonly organizationId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Sets the API calls used today (e.g. to reach the daily limit in a test). */
  setApiUsage(used: number): void;
}

export const MAX_URI_AND_HEADERS = 16_384;

const HTML_503 =
  "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>";

function faultResponse(c: Parameters<typeof sfError>[0], fault: Fault): Response {
  if (fault.retryAfterSeconds !== undefined)
    c.header("Retry-After", String(fault.retryAfterSeconds));
  if (fault.status === 503 && !fault.errorCode) {
    return c.html(HTML_503, 503);
  }
  const defaults: Record<number, [string, string]> = {
    403: ["REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."],
    500: [
      "UNKNOWN_EXCEPTION",
      "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
    ],
    429: ["REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."],
  };
  const [code, message] = defaults[fault.status] ?? [`HTTP_${fault.status}`, "Injected fault"];
  return sfError(c, fault.status, fault.errorCode ?? code, fault.message ?? message);
}

export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<RunningSalesforceSandbox> {
  const accessToken = options.accessToken ?? DEFAULT_SANDBOX_TOKEN;
  const organizationId = options.organizationId ?? DEFAULT_ORGANIZATION_ID;
  const clientId = options.clientId ?? DEFAULT_SANDBOX_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_SANDBOX_CLIENT_SECRET;
  const sessions = createSessionRegistry(accessToken, organizationId);
  const dailyLimit = options.dailyApiLimit ?? 100_000;
  let webhookUrl = options.webhookUrl ?? null;
  let baseUrl = "";
  let used = 0;
  let faults: Fault[] = [];
  let log: SandboxRequestLogEntry[] = [];

  const store = new OrgStore();
  const purposes = options.dataUsePurposes ?? DEFAULT_DATA_USE_PURPOSES;
  store.backdated((options.seed?.length ?? 0) + purposes.length, () => {
    for (const Name of purposes) store.create("DataUsePurpose", { Name });
    for (const { type, fields } of options.seed ?? []) {
      const outcome = store.create(type, store.normalize(type, fields));
      if (!outcome.ok) throw new AdminError(outcome.errors);
    }
  });
  const outbound = new OutboundQueue({
    organizationId,
    baseUrl: () => baseUrl,
    apiVersion: "62.0",
    target: () => webhookUrl,
    batchDelayMs: options.outboundBatchDelayMs ?? 50,
    retryBaseMs: options.outboundRetryBaseMs ?? 1000,
    maxAttempts: options.outboundMaxAttempts ?? 15,
    timeoutMs: 10_000,
  });
  // Workflow rule on Lead and Contact, "created, and every time it's edited": API and UI edits
  // alike. A consent record change notifies its people too, as an org does with a
  // record-triggered flow on ContactPointTypeConsent that sends the person's Outbound Message
  // (the notification carries the Lead/Contact, whose own fields did not change).
  store.onChange = (type, record, before) => {
    if (type === "Lead" || type === "Contact") return outbound.enqueue(type, record);
    if (type !== "ContactPointTypeConsent") return;
    const parties = [record.PartyId, before?.PartyId].filter((p) => typeof p === "string");
    for (const person of PERSON_TYPES)
      for (const r of store.referencing(person, "IndividualId", parties))
        outbound.enqueue(person, r);
  };

  const app = new Hono();
  app.use("/services/*", async (c, next) => {
    const path = new URL(c.req.url).pathname + new URL(c.req.url).search;
    try {
      await next();
    } finally {
      log.push({ method: c.req.method, path, status: c.res.status, at: Date.now() });
    }
    if (!path.startsWith("/services/oauth2/"))
      c.header("Sforce-Limit-Info", `api-usage=${used}/${dailyLimit}`);
  });
  // REST calls: "the maximum length for the combined URI and headers is 16,384 bytes" (431);
  // a URI alone past it is 414 URI Too Long (Salesforce Help, article 000386264).
  app.use("/services/*", async (c, next) => {
    const url = new URL(c.req.url);
    const uri = url.pathname.length + url.search.length;
    let headers = 0;
    c.req.raw.headers.forEach((value, name) => {
      headers += name.length + value.length + 4;
    });
    if (uri > MAX_URI_AND_HEADERS) return c.text("URI Too Long", 414);
    if (uri + headers > MAX_URI_AND_HEADERS) return c.text("Request Header Fields Too Large", 431);
    await next();
  });
  // Faults reach the token endpoint only when aimed at it (pathPrefix "/services/oauth2").
  app.use("/services/oauth2/*", async (c, next) => {
    const path = new URL(c.req.url).pathname;
    const index = faults.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === c.req.method) &&
        f.pathPrefix?.startsWith("/services/oauth2") &&
        path.startsWith(f.pathPrefix),
    );
    if (index < 0) return next();
    const fault = faults[index]!;
    fault.times--;
    if (fault.times <= 0) faults.splice(index, 1);
    return faultResponse(c, fault);
  });
  registerOAuthRoutes(app, {
    clientId,
    clientSecret,
    organizationId,
    userId: RUN_AS_USER_ID,
    baseUrl: () => baseUrl,
    sessions,
  });
  app.use("/services/data/:version/*", async (c, next) => {
    if (!/^v\d+\.\d$/.test(c.req.param("version"))) return notFound(c);
    const bearer = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!sessions.accepts(bearer)) {
      return sfError(c, 401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    const url = new URL(c.req.url);
    const relative = url.pathname.replace(/^\/services\/data\/v[^/]+/, "");
    const index = faults.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === c.req.method) &&
        (!f.pathPrefix ||
          url.pathname.startsWith(f.pathPrefix) ||
          relative.startsWith(f.pathPrefix)),
    );
    if (index >= 0) {
      const fault = faults[index]!;
      fault.times--;
      if (fault.times <= 0) faults.splice(index, 1);
      return faultResponse(c, fault);
    }
    if (used >= dailyLimit)
      return sfError(c, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    used++;
    await next();
  });
  registerRestRoutes(app, { store, queryPageSize: options.queryPageSize ?? 2000 });
  registerSoapRoutes(app, {
    store,
    accepts: (sessionId) => sessions.accepts(sessionId),
    take: () => {
      if (used >= dailyLimit) return false;
      used++;
      return true;
    },
    fault: (path) => {
      const index = faults.findIndex((f) => f.pathPrefix && path.startsWith(f.pathPrefix));
      if (index < 0) return undefined;
      const fault = faults[index]!;
      fault.times--;
      if (fault.times <= 0) faults.splice(index, 1);
      return fault;
    },
  });
  registerCollectionRoutes(app, store);

  const write = (outcome: ReturnType<OrgStore["create"]>, type: SObjectType) => {
    if (!outcome.ok) throw new AdminError(outcome.errors);
    return adminView(type, store.get(type, outcome.id)!);
  };
  const admin: AdminApi = {
    createRecord: (type, fields) => write(store.create(type, store.normalize(type, fields)), type),
    updateRecord: (type, id, fields) =>
      write(store.update(type, id, store.normalize(type, fields)), type),
    deleteRecord: (type, id) => store.delete(type, id).ok,
    getRecord: (type, id) => {
      const record = store.get(type, id);
      return record ? adminView(type, record) : undefined;
    },
    convertLead: (id) => store.markConverted(id),
    mergeRecords: (type, masterId, duplicateIds) => store.merge(type, masterId, duplicateIds),
    injectFault: (fault) => faults.push({ ...fault }),
    clearFaults: () => {
      faults = [];
    },
    setWebhookTarget: (url) => {
      webhookUrl = url;
    },
    requests: () => [...log],
    clearRequests: () => {
      log = [];
    },
    outboundDeliveries: () => [...outbound.deliveries],
    expireSessions: () => sessions.expireAll(),
    apiUsage: () => ({ used, limit: dailyLimit }),
  };
  registerAdminRoutes(app, admin);
  app.notFound((c) => notFound(c));

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // Node refuses headers past 16 KiB by itself; the limit above is Salesforce's to answer.
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 4011,
        hostname: host,
        serverOptions: { maxHeaderSize: 4 * MAX_URI_AND_HEADERS },
      },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    get baseUrl() {
      return baseUrl;
    },
    accessToken,
    organizationId,
    clientId,
    clientSecret,
    ...admin,
    requests: () => [...log],
    setApiUsage: (n) => {
      used = n;
    },
    webhooksIdle: () => outbound.idle(),
    close: async () => {
      outbound.close();
      await new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
