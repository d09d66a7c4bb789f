import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { mergeConsent } from "../../core/consent.ts";
import { rescore } from "../../core/scoring/publish.ts";
import { engagementOf } from "../../sync/scoring.ts";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import {
  ConsentView,
  ContactView,
  consentView,
  contactView,
  listOf,
  MergeView,
  mergeView,
  PageQuery,
  pageOf,
  problemResponses,
  ScoreView,
} from "../views.ts";

const ListQuery = PageQuery.extend({
  email: z
    .email()
    .optional()
    .openapi({ param: { name: "email", in: "query" } }),
});

export function registerContacts(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts",
      summary: "Merged contacts, or the ones matching an email (case and spacing ignored)",
      request: { query: ListQuery },
      responses: {
        200: {
          description: "Contacts",
          content: { "application/json": { schema: listOf(ContactView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, email } = c.req.valid("query");
      if (email) {
        const found = await deps.store.contacts.byEmail(email);
        return c.json({ results: found.map(contactView), nextCursor: null }, 200);
      }
      return c.json(
        pageOf(await deps.store.contacts.list(limit + 1, cursor), limit, contactView),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/{id}",
      summary: "One merged contact with its source links and per-field provenance",
      request: {
        params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
      },
      responses: {
        200: {
          description: "Contact, with its consent per channel and purpose",
          content: {
            "application/json": {
              schema: ContactView.extend({
                consent: z.array(ConsentView),
                score: ScoreView,
                merges: z.array(MergeView),
              }),
            },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const contact = await deps.store.contacts.get(c.req.valid("param").id);
      if (!contact) throw notFound("contact");
      const events = await deps.store.consent.forContact(contact.id);
      const { current } = rescore(
        contact,
        (await engagementOf(deps.store, [contact.id])).get(contact.id)!,
        deps.scoring,
        deps.now(),
      );
      return c.json(
        {
          ...contactView(contact),
          consent: consentView(mergeConsent(events), events),
          score: { ...current, rfm: contact.score?.rfm ?? null },
          merges: (await deps.store.contacts.mergesInto(contact.id)).map(mergeView),
        },
        200,
      );
    },
  );
}
