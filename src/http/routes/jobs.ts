import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { JobView, jobView, listOf, PageQuery, pageOf, problemResponses } from "../views.ts";

export const JobIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" } }),
});

/** `GET {path}` (newest first) and `GET {path}/{id}` for one kind of job: runs, backfills, imports. */
export function registerJobReads(app: OpenAPIHono, deps: AppDeps, kind: string, path: string) {
  app.openapi(
    createRoute({
      method: "get",
      path,
      summary: `List ${kind} jobs, newest first`,
      request: { query: PageQuery },
      responses: {
        200: { description: "Jobs", content: { "application/json": { schema: listOf(JobView) } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(
        pageOf(await deps.store.jobs.list(kind, limit + 1, cursor), limit, jobView),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: `${path}/{id}`,
      summary: `One ${kind} job with status and progress counts`,
      request: { params: JobIdParam },
      responses: {
        200: { description: "Job", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const job = await deps.store.jobs.get(c.req.valid("param").id, kind);
      if (!job) throw notFound(kind);
      return c.json(jobView(job), 200);
    },
  );
}
