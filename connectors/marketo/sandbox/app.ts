/**
 * The simulator's Hono app. One middleware applies what every REST call goes through, in
 * this order: HTTP-level size limits (414 URI > 8 KB, 413 body > 1 MB), injected faults, the
 * bearer token (601/602), the daily quota (607), calls in flight (615) and the rolling rate
 * window (606) -- all but the size limits as HTTP 200 with success:false -- then the request
 * log. Calls refused for a limit do not count against the quota.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sleep } from "../../shared/retry.ts";
import type { AdminOps } from "./admin.ts";
import { ApiError, type Env, fail, MESSAGES } from "./envelope.ts";
import { registerActivityRoutes } from "./routes-activities.ts";
import { type AdminRouteExtras, registerAdminRoutes } from "./routes-admin.ts";
import { registerIdentityRoutes } from "./routes-identity.ts";
import { registerLeadRoutes } from "./routes-leads.ts";
import type { SandboxState } from "./state.ts";

const MAX_URI = 8 * 1024;
const MAX_BODY = 1024 * 1024;

const redact = (path: string) => path.replace(/(client_secret=)[^&]*/g, "$1REDACTED");

function bearer(c: Context<Env>): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
}

export function createSandboxApp(
  state: SandboxState,
  ops: AdminOps,
  extras: AdminRouteExtras,
): Hono<Env> {
  const app = new Hono<Env>();

  app.use("/identity/*", async (c, next) => {
    const startedAt = Date.now();
    try {
      await next();
    } finally {
      const url = new URL(c.req.url);
      state.log.push({
        method: c.req.method,
        path: redact(url.pathname + url.search),
        status: c.res.status,
        startedAt,
        at: Date.now(),
      });
    }
  });

  app.use("/rest/*", async (c, next) => {
    const url = new URL(c.req.url);
    const method = c.req.method;
    const startedAt = Date.now();
    const inFlight = state.inFlight.enter();
    try {
      if (url.pathname.length + url.search.length > MAX_URI) {
        c.res = c.html("<html><body><h1>414 Request-URI Too Large</h1></body></html>", 414);
        return;
      }
      if (Number(c.req.header("content-length") ?? 0) > MAX_BODY) {
        c.res = c.html("<html><body><h1>413 Request Entity Too Large</h1></body></html>", 413);
        return;
      }
      const fault = state.faults.take(method, url.pathname);
      if (fault?.httpStatus) {
        c.res = c.html(
          `<html><body><h1>${fault.httpStatus}</h1></body></html>`,
          fault.httpStatus as ContentfulStatusCode,
        );
        return;
      }
      if (fault?.code) {
        c.res = fail(c, fault.code, fault.message);
        return;
      }
      const token = state.tokens.check(bearer(c));
      if (token !== "ok") {
        c.res = fail(c, token);
        return;
      }
      if (state.quota.exhausted()) {
        c.res = fail(c, "607");
        return;
      }
      if (inFlight > state.concurrency) {
        c.res = fail(c, "615");
        return;
      }
      if (!state.rate.tryTake().ok) {
        const secs = String(Math.round(state.rate.perMs / 1000));
        c.res = fail(
          c,
          "606",
          MESSAGES["606"]!.replace("%s", String(state.rate.max)).replace("%s", secs),
        );
        return;
      }
      state.quota.take();
      if (state.latencyMs > 0) await sleep(state.latencyMs);
      await next();
    } finally {
      state.inFlight.leave();
      const code = c.get("code");
      state.log.push({
        method,
        path: url.pathname + url.search,
        status: c.res.status,
        startedAt,
        at: Date.now(),
        ...(code ? { code } : {}),
      });
    }
  });

  app.onError((error, c) =>
    error instanceof ApiError ? fail(c, error.code, error.message) : fail(c, "611"),
  );
  registerIdentityRoutes(app, state);
  registerLeadRoutes(app, state);
  registerActivityRoutes(app, state);
  registerAdminRoutes(app, ops, extras);
  app.notFound((c) =>
    new URL(c.req.url).pathname.startsWith("/rest/") ? fail(c, "610") : c.json({}, 404),
  );
  return app;
}
