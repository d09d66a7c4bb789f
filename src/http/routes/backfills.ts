import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { SystemName } from "../../../connectors/contract.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import { JobView, jobView, listOf, PageQuery, problemResponses } from "../views.ts";

const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });
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
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/backfills",
      summary: "List backfills, newest first",
      request: { query: PageQuery },
      responses: {
        200: {
          description: "Backfills",
          content: { "application/json": { schema: listOf(JobView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await deps.store.jobs.list("backfill", limit + 1, cursor);
      return c.json(
        {
          results: rows.slice(0, limit).map(jobView),
          nextCursor: rows.length > limit ? rows[limit - 1]!.id : null,
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/backfills/{id}",
      summary: "One backfill with status and progress counts",
      request: { params: IdParam },
      responses: {
        200: { description: "Backfill", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const job = await deps.store.jobs.get(c.req.valid("param").id, "backfill");
      if (!job) throw notFound("backfill");
      return c.json(jobView(job), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/backfills/{id}/cancel",
      summary: "Cancel a backfill; a running one stops after the page in flight",
      request: { params: IdParam },
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
