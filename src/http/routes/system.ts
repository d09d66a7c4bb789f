import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { problemResponses } from "../views.ts";

export function registerHealth(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness and inbox depth",
      responses: {
        200: {
          description: "Healthy",
          content: {
            "application/json": {
              schema: z.object({
                status: z.literal("ok"),
                inbox: z.record(z.string(), z.number()),
              }),
            },
          },
        },
      },
    }),
    async (c) =>
      c.json({ status: "ok" as const, inbox: await deps.store.inbox.countByStatus() }, 200),
  );
}

const SandboxView = z
  .object({
    hubspot: z.object({ baseUrl: z.string(), accessToken: z.string() }).optional(),
    salesforce: z.object({ instanceUrl: z.string(), accessToken: z.string() }).optional(),
    marketo: z
      .object({ baseUrl: z.string(), clientId: z.string(), clientSecret: z.string() })
      .optional(),
  })
  .openapi("Sandbox");

export function registerSandbox(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/sandbox",
      summary: "Where the built-in simulators listen, to drive them with the official clients",
      responses: {
        200: { description: "Sandbox", content: { "application/json": { schema: SandboxView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const info = deps.sandbox?.();
      if (!info) throw notFound("sandbox", "configuration (real credentials are configured)");
      return c.json(info, 200);
    },
  );
}
