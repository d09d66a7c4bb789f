import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Contact, Link } from "../../core/contact.ts";
import type { AppDeps } from "../deps.ts";
import { ContactView, contactView, problemResponses } from "../views.ts";

/** The (system, object) pairs a record id may belong to; CSV sources are added per mapping. */
const RECORD_OBJECTS: Pick<Link, "system" | "object">[] = [
  { system: "hubspot", object: "contact" },
  { system: "salesforce", object: "Lead" },
  { system: "salesforce", object: "Contact" },
  { system: "marketo", object: "lead" },
];

/** A name search reads the store page by page; past this many people it stops and says so. */
export const NAME_SCAN_LIMIT = 20_000;
const SCAN_PAGE = 500;

const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "q", in: "query" },
      description: "An email, a name, a system's record id or a contact id",
      example: "ada@example.com",
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" } }),
});

const SearchResult = z
  .object({
    matchedBy: z.enum(["contact", "email", "record", "name"]),
    contact: ContactView,
  })
  .openapi("SearchResult");

type MatchedBy = z.infer<typeof SearchResult>["matchedBy"];

const SearchView = z
  .object({
    results: z.array(SearchResult),
    scanned: z.number().int().openapi({ description: "People read for the name search" }),
    complete: z
      .boolean()
      .openapi({ description: `false when the name search stopped at ${NAME_SCAN_LIMIT} people` }),
  })
  .openapi("Search");

const fold = (text: string) =>
  text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();

function nameMatches(contact: Contact, words: string[]): boolean {
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const name = fold(
    `${text(contact.golden.firstName?.value)} ${text(contact.golden.lastName?.value)}`,
  );
  return name !== "" && words.every((w) => name.includes(w));
}

export function registerSearch(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/search",
      summary: "Find people by email, name (first and last), a system's record id or a contact id",
      description:
        "An email is matched under the provider rules (like GET /v1/contacts?email=); a record id " +
        "through the crosswalk of every system; a name by reading the store (up to " +
        `${NAME_SCAN_LIMIT} people).`,
      request: { query: SearchQuery },
      responses: {
        200: {
          description: "People found",
          content: { "application/json": { schema: SearchView } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { q, limit } = c.req.valid("query");
      const found = new Map<string, { matchedBy: MatchedBy; contact: Contact }>();
      const add = (matchedBy: MatchedBy, list: Contact[]) => {
        for (const contact of list)
          if (!found.has(contact.id) && found.size < limit)
            found.set(contact.id, { matchedBy, contact });
      };

      const byId = await deps.store.contacts.get(q);
      if (byId) add("contact", [byId]);
      if (q.includes("@")) add("email", await deps.store.contacts.byEmail(q));
      const objects = [
        ...RECORD_OBJECTS,
        ...[...(deps.imports?.csv.keys() ?? [])].map((name) => ({
          system: `csv:${name}` as const,
          object: "row",
        })),
      ];
      add(
        "record",
        await deps.store.contacts.loadFor(
          objects.map((o) => ({ ...o, externalId: q })),
          [],
        ),
      );

      let scanned = 0;
      let complete = true;
      const words = fold(q).split(" ").filter(Boolean);
      if (!q.includes("@") && found.size < limit) {
        let cursor: string | undefined;
        for (;;) {
          if (scanned >= NAME_SCAN_LIMIT) {
            complete = false;
            break;
          }
          const page = await deps.store.contacts.list(SCAN_PAGE, cursor);
          scanned += page.length;
          add(
            "name",
            page.filter((contact) => nameMatches(contact, words)),
          );
          if (page.length < SCAN_PAGE || found.size >= limit) break;
          cursor = page[page.length - 1]!.id;
        }
      }
      return c.json(
        {
          results: [...found.values()].map(({ matchedBy, contact }) => ({
            matchedBy,
            contact: contactView(contact),
          })),
          scanned,
          complete,
        },
        200,
      );
    },
  );
}
