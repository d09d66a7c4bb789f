/**
 * The simulator's own admin surface under /_sandbox: no auth, not in the request log,
 * not counted against any limit. The same operations as RunningMarketoSandbox's methods.
 */
import { type Context, Hono } from "hono";
import { AdminError, type AdminOps } from "./admin.ts";
import type { Env } from "./envelope.ts";
import type { MarketoRequestLogEntry } from "./limits.ts";

export interface AdminRouteExtras {
  requests(): MarketoRequestLogEntry[];
  clearRequests(): void;
  setWebhookTarget(url: string | null): void;
}

async function body(c: Context<Env>): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse((await c.req.text()) || "{}");
    if (value && typeof value === "object" && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AdminError(400, "expected a JSON object body");
}

export function registerAdminRoutes(app: Hono<Env>, ops: AdminOps, extras: AdminRouteExtras): void {
  const admin = new Hono<Env>();
  admin.onError((error, c) =>
    error instanceof AdminError
      ? c.json({ message: error.message }, error.status)
      : c.json({ message: String(error) }, 400),
  );
  admin.get("/leads", (c) => c.json(ops.listLeads()));
  admin.post("/leads", async (c) => {
    const b = await body(c);
    const fields = (b.fields ?? b) as Record<string, unknown>;
    return c.json(ops.createLead(fields, { allowDuplicate: b.allowDuplicate === true }), 201);
  });
  admin.get("/leads/:id", (c) => {
    const lead = ops.getLead(c.req.param("id"));
    return lead ? c.json(lead) : c.json({ message: "not found" }, 404);
  });
  admin.patch("/leads/:id", async (c) => {
    const b = await body(c);
    return c.json(ops.updateLead(c.req.param("id"), (b.fields ?? b) as Record<string, unknown>));
  });
  admin.post("/leads/:id/unsubscribe", (c) => c.json(ops.unsubscribeLead(c.req.param("id"))));
  admin.post("/activities", async (c) => {
    const b = await body(c);
    return c.json(ops.addActivity(b as unknown as Parameters<AdminOps["addActivity"]>[0]), 201);
  });
  admin.post("/tokens/expire", (c) => {
    ops.expireTokens();
    return c.body(null, 204);
  });
  admin.post("/tokens/invalidate", (c) => {
    ops.invalidateTokens();
    return c.body(null, 204);
  });
  admin.post("/faults", async (c) => {
    ops.injectFault((await body(c)) as Parameters<AdminOps["injectFault"]>[0]);
    return c.body(null, 204);
  });
  admin.delete("/faults", (c) => {
    ops.clearFaults();
    return c.body(null, 204);
  });
  admin.get("/quota", (c) => c.json(ops.quotaUsage()));
  admin.put("/quota", async (c) => {
    const b = await body(c);
    if (typeof b.limit !== "number") throw new AdminError(400, "limit must be a number");
    ops.setDailyQuota(b.limit, typeof b.used === "number" ? b.used : undefined);
    return c.json(ops.quotaUsage());
  });
  admin.get("/requests", (c) => c.json(extras.requests()));
  admin.delete("/requests", (c) => {
    extras.clearRequests();
    return c.body(null, 204);
  });
  admin.put("/webhook", async (c) => {
    const b = await body(c);
    extras.setWebhookTarget(typeof b.url === "string" ? b.url : null);
    return c.body(null, 204);
  });
  app.route("/_sandbox", admin);
}
