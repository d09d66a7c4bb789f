import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { CONSENT_CHANNELS, LEGAL_BASES } from "../../../connectors/contract.ts";
import { type ConsentEvent, consentEventId, mergeConsent } from "../../core/consent.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import { ConsentView, consentView, problemResponses } from "../views.ts";

const ConsentRequest = z
  .strictObject({
    channel: z.enum(CONSENT_CHANNELS),
    purpose: z.string().min(1).nullable().optional().openapi({
      description: "A purpose id from mappings/consent.json; omit for the whole channel",
    }),
    state: z.enum(["opted_in", "opted_out"]),
    legalBasis: z.enum(LEGAL_BASES).optional().openapi({ description: "Required for an opt-in" }),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    evidence: z
      .strictObject({
        kind: z.string().min(1).max(100).optional(),
        ref: z.string().max(200).optional(),
        note: z.string().max(2000).optional(),
      })
      .optional(),
  })
  .openapi("ConsentRequest");

const FUTURE_SKEW_MS = 5 * 60_000;

export function registerConsent(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/contacts/{id}/consent",
      summary:
        "Record a consent statement made outside the connected systems (a call-centre opt-out, a signed form)",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
        body: { required: true, content: { "application/json": { schema: ConsentRequest } } },
      },
      responses: {
        201: {
          description: "Recorded; the merged consent of the contact",
          content: { "application/json": { schema: z.array(ConsentView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const now = deps.now();
      const purpose = body.purpose ?? null;
      if (purpose !== null) {
        const known = deps.consent.purposes.find((p) => p.id === purpose);
        if (!known)
          throw new ApiError(
            400,
            "Bad Request",
            `unknown purpose "${purpose}" (see mappings/consent.json)`,
            "purpose",
          );
        if (known.channel !== body.channel) {
          throw new ApiError(
            400,
            "Bad Request",
            `purpose "${purpose}" belongs to the ${known.channel} channel`,
            "purpose",
          );
        }
      }
      if (body.state === "opted_in" && !body.legalBasis) {
        throw new ApiError(400, "Bad Request", "an opt-in needs a legal basis", "legalBasis");
      }
      const occurredAt = body.occurredAt ? Date.parse(body.occurredAt) : now;
      if (occurredAt > now + FUTURE_SKEW_MS)
        throw new ApiError(400, "Bad Request", "occurredAt is in the future", "occurredAt");
      const contact = await deps.store.contacts.get(c.req.valid("param").id);
      if (!contact) throw notFound("contact");

      const statement = {
        channel: body.channel,
        purpose,
        state: body.state,
        explicit: true,
        ...(body.legalBasis ? { legalBasis: body.legalBasis } : {}),
        occurredAt,
        evidence: { kind: body.evidence?.kind ?? "api", ...body.evidence },
      } satisfies Omit<ConsentEvent, "id" | "source">;
      const event: ConsentEvent = {
        ...statement,
        source: "api",
        id: consentEventId("api", statement),
      };
      if ((await deps.store.consent.add(contact.id, [event], now)) > 0)
        await deps.engine.resync(contact.id);
      const events = await deps.store.consent.forContact(contact.id);
      return c.json(consentView(mergeConsent(events), events), 201);
    },
  );
}
