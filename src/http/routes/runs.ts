import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { JobView, jobView, listOf, PageQuery, problemResponses } from "../views.ts";

const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

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
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs",
      summary: "List runs, newest first",
      request: { query: PageQuery },
      responses: {
        200: { description: "Runs", content: { "application/json": { schema: listOf(JobView) } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await deps.store.jobs.list("run", limit + 1, cursor);
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
      path: "/v1/runs/{id}",
      summary: "One run with its progress counts",
      request: { params: IdParam },
      responses: {
        200: { description: "Run", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const job = await deps.store.jobs.get(c.req.valid("param").id, "run");
      if (!job) throw notFound("run");
      return c.json(jobView(job), 200);
    },
  );
}
