import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { JobView, jobView, problemResponses } from "../views.ts";
import { registerJobReads } from "./jobs.ts";

export function registerRescore(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/rescore",
      summary:
        "Re-score everyone with the current rules and write scores that changed meaningfully",
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => c.json(jobView(await deps.engine.jobs.submit("rescore", { reason: "api" })), 202),
  );
  registerJobReads(app, deps, "rescore", "/v1/rescore");
}

export function registerDedupeScans(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/dedupe-scans",
      summary:
        "Match everyone against everyone: merge likely duplicates, queue the uncertain for review",
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => c.json(jobView(await deps.engine.jobs.submit("dedupe", { reason: "api" })), 202),
  );
  registerJobReads(app, deps, "dedupe", "/v1/dedupe-scans");
}
