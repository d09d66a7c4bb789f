import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { JobView, jobView, problemResponses } from "../views.ts";
import { registerJobReads } from "./jobs.ts";

export function registerRuns(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs",
      summary: "Start an incremental sync of every connected system from its stored cursor",
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => c.json(jobView(await deps.engine.jobs.submit("run", {})), 202),
  );
  registerJobReads(app, deps, "run", "/v1/runs");
}
