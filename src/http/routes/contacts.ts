import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { normalizeEmail } from "../../core/contact.ts";
import type { AppDeps } from "../deps.ts";
import { notFound } from "../problem.ts";
import { ContactView, contactView, listOf, PageQuery, pageOf, problemResponses } from "../views.ts";

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
        const found = await deps.store.contacts.byEmail(normalizeEmail(email)!);
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
        200: { description: "Contact", content: { "application/json": { schema: ContactView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const contact = await deps.store.contacts.get(c.req.valid("param").id);
      if (!contact) throw notFound("contact");
      return c.json(contactView(contact), 200);
    },
  );
}
