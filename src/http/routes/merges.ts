import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import { ContactView, contactView, ProblemView, problemResponses } from "../views.ts";

const RecordMergeView = z
  .object({
    id: z.string(),
    system: z.string(),
    object: z.string(),
    primaryId: z.string(),
    mergedIds: z.array(z.string()),
    survivorId: z.string().nullable(),
    status: z.enum(["merged", "failed"]),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    createdAt: z.string(),
  })
  .openapi("RecordMerge");

export function registerMerges(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/{id}/record-merges",
      summary:
        "Merges the hub made inside systems for this person (HubSpot, Salesforce, Marketo), newest first",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
      },
      responses: {
        200: {
          description: "The audit of merges carried into systems",
          content: {
            "application/json": { schema: z.object({ results: z.array(RecordMergeView) }) },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deps.store.contacts.get(id))) throw notFound("contact");
      const rows = await deps.store.recordMerges.forContact(id);
      return c.json(
        {
          results: rows.map((row) => ({
            id: row.id,
            system: row.system,
            object: row.object,
            primaryId: row.primaryId,
            mergedIds: row.mergedIds,
            survivorId: row.survivorId,
            status: row.status,
            error: row.error ?? null,
            createdAt: new Date(row.createdAt).toISOString(),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/contacts/{id}/unmerge",
      summary: "Undo a merge into this person (the most recent one unless ?mergeId= names another)",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
        query: z.object({
          mergeId: z
            .string()
            .min(1)
            .optional()
            .openapi({ param: { name: "mergeId", in: "query" } }),
        }),
      },
      responses: {
        200: {
          description: "Both people again",
          content: {
            "application/json": {
              schema: z.object({ mergeId: z.string(), winner: ContactView, restored: ContactView }),
            },
          },
        },
        409: {
          description: "Nothing to undo",
          content: { "application/problem+json": { schema: ProblemView } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { mergeId } = c.req.valid("query");
      if (!(await deps.store.contacts.get(id))) throw notFound("contact");
      const result = await deps.engine.unmerge(id, mergeId);
      if (!result) {
        throw mergeId
          ? new ApiError(
              409,
              "Conflict",
              "no such merge into this contact, or already undone",
              "mergeId",
            )
          : new ApiError(409, "Conflict", "no merge to undo", "id");
      }
      return c.json(
        {
          mergeId: result.merge.id,
          winner: contactView(result.winner),
          restored: contactView(result.loser),
        },
        200,
      );
    },
  );
}
