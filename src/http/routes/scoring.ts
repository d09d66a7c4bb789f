import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ENGAGEMENT_TYPES, type EngagementEvent } from "../../../connectors/contract.ts";
import { ContactAttributesSchema } from "../../core/contact.ts";
import { MappingError } from "../../core/mapping-spec.ts";
import { parseScoringRules } from "../../core/scoring/rules.ts";
import { scoreContact, scoreSummary } from "../../core/scoring/score.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../problem.ts";
import { problemResponses, ScoreView } from "../views.ts";

const PreviewRequest = z
  .strictObject({
    attributes: ContactAttributesSchema,
    events: z
      .array(
        z.strictObject({
          type: z.enum(ENGAGEMENT_TYPES),
          occurredAt: z.iso.datetime({ offset: true }),
          system: z.enum(["hubspot", "salesforce", "marketo"]).default("hubspot"),
          key: z.string().min(1).optional(),
          title: z.string().optional(),
          detail: z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
            .default({}),
        }),
      )
      .max(10_000)
      .default([]),
    /** Rules to try instead of mappings/scoring.json (same shape). */
    rules: z.unknown().optional(),
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "Score as of this time (default now)" }),
  })
  .openapi("ScoringPreviewRequest");

export function registerScoring(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/scoring/preview",
      summary:
        "Score a posted person and events against the current (or posted) rules, writing nothing",
      request: {
        body: { required: true, content: { "application/json": { schema: PreviewRequest } } },
      },
      responses: {
        200: { description: "Score", content: { "application/json": { schema: ScoreView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      let rules = deps.scoring;
      if (body.rules !== undefined) {
        try {
          rules = parseScoringRules("rules", body.rules);
        } catch (error) {
          if (!(error instanceof MappingError)) throw error;
          const [, path = "rules", message = error.message] =
            error.message.match(/^rules: ([^:]+): (.*)$/) ?? [];
          throw new ApiError(
            400,
            "Bad Request",
            message,
            path === "(root)" ? "rules" : `rules.${path}`,
          );
        }
      }
      const events: EngagementEvent[] = body.events.map((e, i) => ({
        key: e.key ?? `preview:${i}`,
        system: e.system,
        type: e.type,
        person: { object: "preview", externalId: "preview" },
        occurredAt: Date.parse(e.occurredAt),
        ...(e.title ? { title: e.title } : {}),
        detail: e.detail,
      }));
      const now = body.at ? Date.parse(body.at) : deps.now();
      const score = scoreContact({ attributes: body.attributes, events, now, rules });
      return c.json({ ...score, summary: scoreSummary(score) }, 200);
    },
  );
}
