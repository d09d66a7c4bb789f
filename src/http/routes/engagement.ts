import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { EngagementView, listOf, PageQuery, problemResponses } from "../views.ts";

export function registerEngagement(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/{id}/engagement",
      summary: "What the person did, from every system, newest first",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
        query: PageQuery,
      },
      responses: {
        200: {
          description: "Engagement events",
          content: { "application/json": { schema: listOf(EngagementView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      if (!(await deps.store.contacts.get(id))) throw notFound("contact");
      const rows = await deps.store.engagement.list(id, limit + 1, cursor);
      return c.json(
        {
          results: rows
            .slice(0, limit)
            .map((r) => ({ ...r, occurredAt: new Date(r.occurredAt).toISOString() })),
          nextCursor: rows.length > limit ? rows[limit - 1]!.key : null,
        },
        200,
      );
    },
  );
}
