import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { JobView, jobView, problemResponses } from "../views.ts";
import { registerJobReads } from "./jobs.ts";

export function registerRescore(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/rescore",
      summary:
        "Re-score everyone with the current rules and write scores that changed meaningfully",
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => c.json(jobView(await deps.engine.jobs.submit("rescore", { reason: "api" })), 202),
  );
  registerJobReads(app, deps, "rescore", "/v1/rescore");
}

const FittedOnView = z
  .object({
    people: z
      .number()
      .int()
      .openapi({ description: "People in the fit: the sample plus a batch's own" }),
    sampled: z
      .number()
      .int()
      .openapi({ description: "Stored people drawn at random (at most estimation.sampleSize)" }),
    full: z.boolean().openapi({ description: "Whether the sample was full size" }),
  })
  .nullable()
  .openapi("MatcherFit");

export function registerMatcherRefit(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/matcher/refit",
      summary:
        "Refit the matcher's model on a new random sample (after many people arrived or matching.json changed)",
      description:
        "The model is also refitted on its own as the store grows (see README, matching). The new fit is made while the next batch is matched; until it is ready the current one is used.",
      responses: {
        202: {
          description: "Asked; `current` is the fit in use until the new one is ready",
          content: {
            "application/json": {
              schema: z.object({ current: FittedOnView }).openapi("MatcherRefit"),
            },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => c.json({ current: await deps.engine.refitMatcher() }, 202),
  );
}

export function registerDedupeScans(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/dedupe-scans",
      summary:
        "Match everyone against everyone: merge likely duplicates, queue the uncertain for review",
      responses: {
        202: { description: "Queued", content: { "application/json": { schema: JobView } } },
        ...problemResponses,
      },
    }),
    async (c) => c.json(jobView(await deps.engine.jobs.submit("dedupe", { reason: "api" })), 202),
  );
  registerJobReads(app, deps, "dedupe", "/v1/dedupe-scans");
}
