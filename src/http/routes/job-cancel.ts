import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { JobView, jobView, problemResponses } from "../views.ts";
import { JobIdParam } from "./jobs.ts";

/** One cancel for every kind of job (runs, backfills, imports, rescores, dedupe scans). */
export function registerJobCancel(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs/{id}/cancel",
      summary:
        "Cancel any job: a queued one at once, a running one after the page in flight; a finished one is left as it is",
      request: { params: JobIdParam },
      responses: {
        202: { description: "Cancelling", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const job = await deps.engine.jobs.cancel(c.req.valid("param").id);
      if (!job) throw notFound("job");
      return c.json(jobView(job), 202);
    },
  );
}
