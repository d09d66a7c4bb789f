import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { SystemName } from "../../../connectors/contract.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import { JobView, jobView, problemResponses } from "../views.ts";
import { JobIdParam, registerJobReads } from "./jobs.ts";

const BackfillRequest = z
  .strictObject({
    system: z.enum(["hubspot", "salesforce", "marketo"]),
    since: z.iso.datetime({ offset: true }).optional().openapi({ example: "2026-01-01T00:00:00Z" }),
    dryRun: z.boolean().default(false),
  })
  .openapi("BackfillRequest");

export function registerBackfills(app: OpenAPIHono, deps: AppDeps, connected: () => SystemName[]) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/backfills",
      summary:
        "Read every record of one system (modified since `since`) through the full sync path",
      description:
        "With dryRun the plan is counted per system (creates, updates) and nothing is written anywhere.",
      request: {
        body: { required: true, content: { "application/json": { schema: BackfillRequest } } },
      },
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (!connected().includes(body.system)) {
        throw new ApiError(400, "Bad Request", `${body.system} is not connected`, "system");
      }
      const job = await deps.engine.jobs.submit("backfill", {
        system: body.system,
        dryRun: body.dryRun,
        ...(body.since ? { since: Date.parse(body.since) } : {}),
      });
      return c.json(jobView(job), 202);
    },
  );
  registerJobReads(app, deps, "backfill", "/v1/backfills");
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/backfills/{id}/cancel",
      summary: "Cancel a backfill; a running one stops after the page in flight",
      request: { params: JobIdParam },
      responses: {
        202: { description: "Cancelling", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deps.store.jobs.get(id, "backfill"))) throw notFound("backfill");
      return c.json(jobView((await deps.engine.jobs.cancel(id))!), 202);
    },
  );
}
