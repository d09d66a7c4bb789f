/**
 * The simulator's own admin surface under /_sandbox (not part of Salesforce, not counted
 * in the request log or the API usage): record edits "as a user in the UI", fault
 * injection, the request log, session expiry and the Outbound Message endpoint.
 */
import type { Context, Hono } from "hono";
import { present } from "./present.ts";
import { type SObjectType, sobjectTypeOf } from "./schema.ts";
import { RequestError } from "./store.ts";

export interface Fault {
  status: number;
  times: number;
  method?: string;
  pathPrefix?: string;
  errorCode?: string;
  message?: string;
  retryAfterSeconds?: number;
}

export interface AdminApi {
  createRecord(type: SObjectType, fields: Record<string, unknown>): Record<string, unknown>;
  updateRecord(
    type: SObjectType,
    id: string,
    fields: Record<string, unknown>,
  ): Record<string, unknown>;
  deleteRecord(type: SObjectType, id: string): boolean;
  getRecord(type: SObjectType, id: string): Record<string, unknown> | undefined;
  convertLead(id: string): boolean;
  /** Merges up to two duplicates into the master, as the Salesforce UI's merge does. */
  mergeRecords(type: "Lead" | "Contact", masterId: string, duplicateIds: string[]): boolean;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  setWebhookTarget(url: string | null): void;
  requests(): unknown[];
  clearRequests(): void;
  outboundDeliveries(): unknown[];
  apiUsage(): { used: number; limit: number };
  /** Expires every access token (issued and static): API calls answer 401 INVALID_SESSION_ID. */
  expireSessions(): void;
}

/** The record as the admin API shows it (REST shape, all fields). */
export const adminView = (type: SObjectType, record: Parameters<typeof present>[1]) =>
  present(type, record, "v62.0");

export function registerAdminRoutes(app: Hono, api: AdminApi): void {
  const typeOf = (c: Context): SObjectType | undefined => sobjectTypeOf(c.req.param("type") ?? "");
  const run = async (c: Context, fn: () => Response | Promise<Response>) => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof AdminError) return c.json({ errors: error.errors }, 400);
      if (error instanceof RequestError) {
        return c.json(
          { errors: [{ statusCode: error.errorCode, message: error.message, fields: [] }] },
          400,
        );
      }
      if (error instanceof SyntaxError)
        return c.json({ errors: [{ message: "invalid JSON" }] }, 400);
      throw error;
    }
  };
  const fieldsOf = async (c: Context) => {
    const body = (await c.req.json()) as { fields?: Record<string, unknown> };
    return body?.fields ?? {};
  };

  app.get("/_sandbox/requests", (c) => c.json({ results: api.requests() }));
  app.delete("/_sandbox/requests", (c) => {
    api.clearRequests();
    return c.body(null, 204);
  });
  app.get("/_sandbox/outbound", (c) => c.json({ results: api.outboundDeliveries() }));
  app.get("/_sandbox/limits", (c) => c.json(api.apiUsage()));
  app.post("/_sandbox/sessions/expire", (c) => {
    api.expireSessions();
    return c.body(null, 204);
  });
  app.post("/_sandbox/faults", (c) =>
    run(c, async () => {
      const fault = (await c.req.json()) as Fault;
      if (!Number.isInteger(fault?.status) || !Number.isInteger(fault?.times) || fault.times < 1) {
        return c.json({ errors: [{ message: "status and times (>= 1) are required" }] }, 400);
      }
      api.injectFault(fault);
      return c.json({ ok: true }, 201);
    }),
  );
  app.delete("/_sandbox/faults", (c) => {
    api.clearFaults();
    return c.body(null, 204);
  });
  app.put("/_sandbox/webhook", (c) =>
    run(c, async () => {
      const body = (await c.req.json()) as { url?: string | null };
      api.setWebhookTarget(body?.url ?? null);
      return c.json({ url: body?.url ?? null });
    }),
  );
  app.post("/_sandbox/sobjects/:type", (c) =>
    run(c, async () => {
      const type = typeOf(c);
      if (!type) return c.json({ errors: [{ message: "unknown sObject type" }] }, 404);
      return c.json(api.createRecord(type, await fieldsOf(c)), 201);
    }),
  );
  app.post("/_sandbox/sobjects/Lead/:id/convert", (c) =>
    api.convertLead(c.req.param("id"))
      ? c.body(null, 204)
      : c.json({ errors: [{ message: "not found" }] }, 404),
  );
  app.get("/_sandbox/sobjects/:type/:id", (c) => {
    const type = typeOf(c);
    const record = type ? api.getRecord(type, c.req.param("id")) : undefined;
    return record ? c.json(record) : c.json({ errors: [{ message: "not found" }] }, 404);
  });
  app.patch("/_sandbox/sobjects/:type/:id", (c) =>
    run(c, async () => {
      const type = typeOf(c);
      if (!type || !api.getRecord(type, c.req.param("id")))
        return c.json({ errors: [{ message: "not found" }] }, 404);
      return c.json(api.updateRecord(type, c.req.param("id"), await fieldsOf(c)));
    }),
  );
  app.delete("/_sandbox/sobjects/:type/:id", (c) => {
    const type = typeOf(c);
    return type && api.deleteRecord(type, c.req.param("id"))
      ? c.body(null, 204)
      : c.json({ errors: [{ message: "not found" }] }, 404);
  });
}

/** Validation failure of an admin write; carries Salesforce-style record errors. */
export class AdminError extends Error {
  constructor(readonly errors: Array<{ statusCode: string; message: string; fields: string[] }>) {
    super(errors.map((e) => `${e.statusCode}: ${e.message}`).join("; "));
  }
}
