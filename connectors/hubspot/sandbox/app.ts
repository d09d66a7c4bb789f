/**
 * The simulator's Hono app: one middleware applies what every real API call goes through
 * (bearer auth, injected faults, the rolling rate limits, the X-HubSpot-RateLimit-* headers,
 * the request log), then the route files answer like the real endpoints.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { SandboxRequestLogEntry } from "../../../src/sandbox/contract.ts";
import type { ConsentStore } from "./consent-store.ts";
import type { EngagementStore } from "./engagement-store.ts";
import { errorBody, rateLimitBody, serverErrorBody, validation } from "./errors.ts";
import type { FaultInjector, RollingWindow } from "./limits.ts";
import type { MarketingStore } from "./marketing-store.ts";
import { registerAdminRoutes } from "./routes-admin.ts";
import { registerBatchRoutes } from "./routes-batch.ts";
import { registerConsentRoutes } from "./routes-consent.ts";
import { registerEngagementRoutes } from "./routes-engagements.ts";
import { registerGdprRoutes } from "./routes-gdpr.ts";
import { registerMarketingRoutes } from "./routes-marketing.ts";
import { registerMergeRoutes } from "./routes-merge.ts";
import { registerObjectRoutes } from "./routes-objects.ts";
import { type ContactStore, DEFAULT_READ_PROPERTIES, type StoredContact } from "./store.ts";
import type { WebhookSender } from "./webhook-sender.ts";

export interface SandboxState {
  store: ContactStore;
  consent: ConsentStore;
  engagements: EngagementStore;
  /** Marketing-email events, forms and form submissions. */
  marketing: MarketingStore;
  portalId: number;
  /** GDPR tools on: subscribing needs a legal basis. */
  gdprEnabled: boolean;
  sender: WebhookSender;
  accessToken: string;
  general: RollingWindow;
  search: RollingWindow;
  faults: FaultInjector;
  log: SandboxRequestLogEntry[];
}

export type SandboxApp = Hono;

/** Thrown by handlers to answer with a HubSpot error body. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export async function readJson(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new HttpError(400, validation("Invalid input JSON: expected a JSON object body"));
}

/** `properties` may come as repeated keys and/or comma-separated values. */
export function queryList(c: Context, name: string): string[] | undefined {
  const values = c.req.queries(name);
  if (!values) return undefined;
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** What writes echo back: the written properties plus the ones HubSpot always sets. */
export const WRITE_ECHO = ["createdate", "hs_object_id", "lastmodifieddate"];

/** The SimplePublicObject shape; requested properties with no value come back as null. */
export function toApiObject(
  contact: StoredContact,
  requested: string[] | undefined,
  always: string[] = [],
): Record<string, unknown> {
  return apiObjectOf(requested, always)(contact);
}

/** `toApiObject` for many contacts of one answer: the property list is worked out once. */
export function apiObjectOf(
  requested: string[] | undefined,
  always: string[] = [],
): (contact: StoredContact) => Record<string, unknown> {
  const names =
    requested && requested.length > 0
      ? [...new Set([...always, ...requested])]
      : DEFAULT_READ_PROPERTIES;
  return (contact) => {
    const properties: Record<string, string | null> = {};
    for (const name of names) properties[name] = contact.properties[name] ?? null;
    return {
      id: contact.id,
      properties,
      createdAt: new Date(contact.createdAt).toISOString(),
      updatedAt: new Date(contact.updatedAt).toISOString(),
      archived: false,
    };
  };
}

function rateHeaders(c: Context, state: SandboxState): void {
  c.header("X-HubSpot-RateLimit-Max", String(state.general.max));
  c.header("X-HubSpot-RateLimit-Remaining", String(state.general.remaining()));
  c.header("X-HubSpot-RateLimit-Interval-Milliseconds", String(state.general.perMs));
}

export function createSandboxApp(state: SandboxState): SandboxApp {
  const app = new Hono();

  const apiMiddleware = async (c: Context, next: () => Promise<void>) => {
    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    const method = c.req.method;
    try {
      const auth = c.req.header("authorization");
      if (auth !== `Bearer ${state.accessToken}`) {
        c.res = c.json(
          errorBody(
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
          ),
          401,
        );
        return;
      }
      const fault = state.faults.take(method, url.pathname)?.status;
      if (fault === 429) {
        rateHeaders(c, state);
        c.res = c.json(rateLimitBody("TEN_SECONDLY_ROLLING"), 429);
        return;
      }
      if (fault !== undefined) {
        c.res = c.json(
          fault >= 500 ? serverErrorBody(fault) : errorBody("VALIDATION_ERROR", "injected fault"),
          fault as ContentfulStatusCode,
        );
        return;
      }
      if (!state.general.tryTake().ok) {
        rateHeaders(c, state);
        c.res = c.json(rateLimitBody("TEN_SECONDLY_ROLLING"), 429);
        return;
      }
      const isSearch = method === "POST" && url.pathname.endsWith("/search");
      if (isSearch && !state.search.tryTake().ok) {
        rateHeaders(c, state);
        c.res = c.json(rateLimitBody("SECONDLY"), 429);
        return;
      }
      rateHeaders(c, state);
      await next();
    } finally {
      state.log.push({ method, path, status: c.res.status, at: Date.now() });
    }
  };
  app.use("/crm/*", apiMiddleware);
  app.use("/communication-preferences/*", apiMiddleware);
  app.use("/email/*", apiMiddleware);
  app.use("/marketing/*", apiMiddleware);
  app.use("/form-integrations/*", apiMiddleware);

  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json(error.body as object, error.status);
    return c.json(errorBody("INTERNAL_ERROR", String(error)), 500);
  });

  registerGdprRoutes(app, state);
  registerBatchRoutes(app, state);
  registerMergeRoutes(app, state);
  registerObjectRoutes(app, state);
  registerEngagementRoutes(app, state);
  registerConsentRoutes(app, state);
  registerMarketingRoutes(app, state);
  registerAdminRoutes(app, state);
  app.notFound((c) => c.json(errorBody("OBJECT_NOT_FOUND", "resource not found"), 404));
  return app;
}
