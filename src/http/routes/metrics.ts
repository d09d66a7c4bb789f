import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAdminToken } from "../auth.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../problem.ts";
import { problemResponses } from "../views.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** GET /metrics: the Prometheus text format, behind the admin token like /v1. */
export function registerMetrics(app: OpenAPIHono, deps: AppDeps) {
  app.use("/metrics", requireAdminToken(deps.adminToken));
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      summary: "Metrics in the Prometheus text format 0.0.4 (this process and its engine thread)",
      responses: {
        200: {
          description: "Prometheus exposition",
          content: { "text/plain": { schema: z.string() } },
        },
        401: problemResponses[401],
        404: problemResponses[404],
      },
    }),
    (c) => {
      const metrics = deps.metrics;
      if (!metrics) throw new ApiError(404, "Not Found", "no metrics registry is configured");
      return c.text(metrics.exposition(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
    },
  );
}
