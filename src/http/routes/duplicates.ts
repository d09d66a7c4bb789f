import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Contact } from "../../core/contact.ts";
import type { DuplicateRow } from "../../store/duplicates.ts";
import type { PairDecision } from "../../sync/merge.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import {
  ContactView,
  contactView,
  DuplicateView,
  duplicateView,
  listOf,
  PageQuery,
  ProblemView,
  problemResponses,
} from "../views.ts";

const PairParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

const conflict = {
  409: {
    description: "The pair was already decided, or one of the people no longer exists",
    content: { "application/problem+json": { schema: ProblemView } },
  },
};

function failure(result: Extract<PairDecision, { ok: false }>): ApiError {
  if (result.reason === "not_found") return notFound("duplicate pair");
  return new ApiError(
    409,
    "Conflict",
    result.reason === "decided"
      ? "this pair was already merged or dismissed"
      : "one of the two people was merged or erased since",
    "id",
  );
}

export function registerDuplicates(app: OpenAPIHono, deps: AppDeps) {
  async function views(rows: DuplicateRow[]) {
    const people = await deps.store.contacts.load([...new Set(rows.flatMap((r) => [r.a, r.b]))]);
    const byId = new Map<string, Contact>(people.map((p) => [p.id, p]));
    return rows.map((row) => duplicateView(row, byId));
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/duplicates",
      summary: "Candidate duplicate pairs with the matcher's evidence (pending = awaiting review)",
      request: {
        query: PageQuery.extend({
          status: z
            .enum(["pending", "merged", "dismissed"])
            .default("pending")
            .openapi({ param: { name: "status", in: "query" } }),
        }),
      },
      responses: {
        200: {
          description: "Pairs",
          content: { "application/json": { schema: listOf(DuplicateView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid("query");
      const rows = await deps.store.duplicates.list(status, limit + 1, cursor);
      return c.json(
        {
          results: await views(rows.slice(0, limit)),
          nextCursor: rows.length > limit ? rows[limit - 1]!.id : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/duplicates/{id}",
      summary: "One candidate pair",
      request: { params: PairParams },
      responses: {
        200: { description: "Pair", content: { "application/json": { schema: DuplicateView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const row = await deps.store.duplicates.get(c.req.valid("param").id);
      if (!row) throw notFound("duplicate pair");
      return c.json((await views([row]))[0]!, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/duplicates/{id}/merge",
      summary: "Merge the pair into one person (reversible with POST /v1/contacts/{id}/unmerge)",
      request: { params: PairParams },
      responses: {
        200: {
          description: "The merged person",
          content: { "application/json": { schema: ContactView } },
        },
        ...conflict,
        ...problemResponses,
      },
    }),
    async (c) => {
      const result = await deps.engine.mergeDuplicate(c.req.valid("param").id, "api");
      if (!result.ok) throw failure(result);
      return c.json(contactView(result.contact!), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/duplicates/{id}/dismiss",
      summary: "Mark the pair as two different people; it is never proposed again",
      request: { params: PairParams },
      responses: {
        200: {
          description: "The pair",
          content: { "application/json": { schema: DuplicateView } },
        },
        ...conflict,
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await deps.engine.dismissDuplicate(id, "api");
      if (!result.ok) throw failure(result);
      return c.json((await views([(await deps.store.duplicates.get(id))!]))[0]!, 200);
    },
  );
}
