import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { ConnectedSystem, SystemName } from "../../connectors/contract.ts";
import { describeError } from "../logger.ts";
import { LATENCY_BUCKETS, type Metrics } from "../metrics/registry.ts";
import { requireAdminToken } from "./auth.ts";
import { registerDocs } from "./console/docs.ts";
import { registerConsole } from "./console/register.ts";
import type { AppDeps } from "./deps.ts";
import { ApiError, problemFromError, problemFromZod, problemResponse } from "./problem.ts";
import { registerBackfills } from "./routes/backfills.ts";
import { registerConsent } from "./routes/consent.ts";
import { registerContacts } from "./routes/contacts.ts";
import { registerDeadLetters } from "./routes/dead-letters.ts";
import { registerDuplicates } from "./routes/duplicates.ts";
import { registerEngagement } from "./routes/engagement.ts";
import { registerErasures } from "./routes/erasures.ts";
import { registerHubInfo } from "./routes/hub-info.ts";
import { registerImports } from "./routes/imports.ts";
import { registerJobCancel } from "./routes/job-cancel.ts";
import { registerMerges } from "./routes/merges.ts";
import { registerMetrics } from "./routes/metrics.ts";
import { registerRuns } from "./routes/runs.ts";
import { registerScoring } from "./routes/scoring.ts";
import { registerSearch } from "./routes/search.ts";
import { registerDedupeScans, registerMatcherRefit, registerRescore } from "./routes/sweeps.ts";
import { registerSyncHealth } from "./routes/sync-health.ts";
import { registerHealth, registerSandbox } from "./routes/system.ts";
import { registerWebhooks } from "./routes/webhooks.ts";

const WEBHOOK_SYSTEMS: ReadonlySet<string> = new Set<ConnectedSystem>([
  "hubspot",
  "salesforce",
  "marketo",
]);

/**
 * `tsunagu_webhook_ack_seconds{system,status}`: from a webhook request's arrival here to its
 * response (notices stored, ack built). Paths of no known system are not recorded.
 */
function timeWebhookAcks(metrics: Metrics): MiddlewareHandler {
  const ack = metrics.histogram(
    "tsunagu_webhook_ack_seconds",
    "Time from a webhook request's arrival to its response",
    LATENCY_BUCKETS,
  );
  return async (c, next) => {
    const started = performance.now();
    const system = c.req.path.split("/")[2] ?? "";
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      if (WEBHOOK_SYSTEMS.has(system))
        ack.observe(
          { system, status: `${Math.floor(status / 100)}xx` },
          (performance.now() - started) / 1000,
        );
    }
  };
}

export function createApp(deps: AppDeps, connected: () => SystemName[]) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success)
        return problemResponse(c, problemFromZod(result.error as z.ZodError, result.target));
    },
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) return problemResponse(c, problemFromError(error));
    if (error instanceof z.ZodError) return problemResponse(c, problemFromZod(error, "body"));
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own validators (malformed JSON, wrong content type) speak about the body.
      return problemResponse(c, {
        type: "about:blank",
        title: "Bad Request",
        status: error.status,
        detail: error.message,
        field: "body",
      });
    }
    deps.logger.error("unhandled error", { path: c.req.path, error: describeError(error) });
    return problemResponse(c, { type: "about:blank", title: "Internal Server Error", status: 500 });
  });
  app.notFound((c) =>
    problemResponse(c, {
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: `no route for ${c.req.method} ${c.req.path}`,
    }),
  );

  if (deps.metrics) app.use("/webhooks/*", timeWebhookAcks(deps.metrics));
  registerHealth(app, deps);
  registerMetrics(app, deps);
  registerWebhooks(app, deps);
  app.use("/v1/*", requireAdminToken(deps.adminToken));
  registerRuns(app, deps);
  registerBackfills(app, deps, connected);
  registerImports(app, deps);
  registerContacts(app, deps);
  registerConsent(app, deps);
  registerEngagement(app, deps);
  registerErasures(app, deps);
  registerMerges(app, deps);
  registerDuplicates(app, deps);
  registerScoring(app, deps);
  registerRescore(app, deps);
  registerDedupeScans(app, deps);
  registerMatcherRefit(app, deps);
  registerDeadLetters(app, deps);
  registerSandbox(app, deps);
  registerJobCancel(app, deps);
  registerSearch(app, deps);
  registerSyncHealth(app, deps);
  registerHubInfo(app, deps, connected);
  registerConsole(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "tsunagu",
      version: "0.1.0",
      description: "Contact sync hub: webhooks in, merged records, ops API.",
    },
    security: [{ adminToken: [] }],
  });
  registerDocs(app);
  return app;
}
