import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import {
  DeadLetterView,
  deadLetterView,
  listOf,
  PageQuery,
  pageOf,
  problemResponses,
} from "../views.ts";

export function registerDeadLetters(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/dead-letters",
      summary:
        "Writes that failed, newest first; retryable ones are retried automatically (attempts, nextAttemptAt)",
      request: {
        query: PageQuery.extend({
          status: z
            .enum(["open", "retried", "replayed"])
            .optional()
            .openapi({ param: { name: "status", in: "query" } }),
        }),
      },
      responses: {
        200: {
          description: "Dead letters",
          content: { "application/json": { schema: listOf(DeadLetterView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid("query");
      return c.json(
        pageOf(await deps.store.deadLetters.list(limit + 1, status, cursor), limit, deadLetterView),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/dead-letters/{id}/replay",
      summary: "Re-sync the contact from its current state (not the stale payload)",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
      },
      responses: {
        200: {
          description: "Replayed",
          content: { "application/json": { schema: DeadLetterView } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const letter = await deps.store.deadLetters.get(id);
      if (!letter) throw notFound("dead letter");
      await deps.store.deadLetters.markReplayed(id, deps.now());
      await deps.engine.resync(letter.contactId);
      return c.json(deadLetterView((await deps.store.deadLetters.get(id))!), 200);
    },
  );
}
