import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ErasureRow } from "../../store/erasure.ts";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { problemResponses } from "../views.ts";

const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

const ErasureView = z
  .object({
    id: z.string(),
    requestedBy: z.string(),
    status: z.enum(["running", "completed", "partial"]),
    systems: z.array(
      z.object({
        system: z.string(),
        object: z.string(),
        status: z.enum(["pending", "erased", "failed"]),
        attempts: z.number(),
        confirmedAt: z.string().nullable(),
        lastError: z.string().optional(),
      }),
    ),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Erasure");

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/** No identifiers in the audit view: the person is gone, only the proof remains. */
const erasureView = (row: ErasureRow): z.infer<typeof ErasureView> => ({
  id: row.id,
  requestedBy: row.requestedBy,
  status: row.status,
  systems: row.targets.map((t) => ({
    system: t.system,
    object: t.object,
    status: t.status,
    attempts: t.attempts,
    confirmedAt: iso(t.confirmedAt),
    ...(t.lastError ? { lastError: t.lastError } : {}),
  })),
  createdAt: iso(row.createdAt)!,
  completedAt: iso(row.completedAt),
});

export function registerErasures(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/contacts/{id}/erase",
      summary:
        "Erase a person everywhere (GDPR/APPI): delete in every linked system and in the hub, keep a tombstone",
      request: { params: IdParam },
      responses: {
        202: { description: "Erasure", content: { "application/json": { schema: ErasureView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const erasure = await deps.engine.erase(c.req.valid("param").id, "api");
      if (!erasure) throw notFound("contact");
      return c.json(erasureView(erasure), 202);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/erasures/{id}",
      summary: "An erasure's per-system status and audit",
      request: { params: IdParam },
      responses: {
        200: { description: "Erasure", content: { "application/json": { schema: ErasureView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const row = await deps.store.erasures.get(c.req.valid("param").id);
      if (!row) throw notFound("erasure");
      return c.json(erasureView(row), 200);
    },
  );
}
