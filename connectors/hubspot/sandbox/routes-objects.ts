/**
 * Single-object, list and search endpoints of /crm/v3/objects/contacts.
 * Docs: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts
 */
import type { Hono } from "hono";
import {
  apiObjectOf,
  HttpError,
  queryList,
  readJson,
  type SandboxState,
  toApiObject,
  WRITE_ECHO,
} from "./app.ts";
import { conflict, notFound, propertyValidation, validation } from "./errors.ts";
import {
  OPERATORS,
  runSearch,
  SEARCH_MAX_FILTERS_PER_GROUP,
  SEARCH_MAX_FILTERS_TOTAL,
  SEARCH_MAX_GROUPS,
  SEARCH_MAX_LIMIT,
  SEARCH_MAX_RESULTS,
  type SearchFilter,
  type SearchSort,
} from "./search.ts";
import { searchCandidates } from "./search-candidates.ts";
import { ConflictError, type StoredContact } from "./store.ts";

const BASE = "/crm/v3/objects/contacts";

export function propertiesOf(body: Record<string, unknown>): Record<string, unknown> {
  const properties = body.properties;
  if (!properties || typeof properties !== "object" || Array.isArray(properties)) {
    throw new HttpError(400, validation("Invalid input JSON: properties must be an object"));
  }
  return properties as Record<string, unknown>;
}

export function parseSorts(raw: unknown): SearchSort[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new HttpError(400, validation("sorts must be an array"));
  return raw.map((sort) => {
    if (typeof sort === "string") {
      return sort.startsWith("-")
        ? { propertyName: sort.slice(1), direction: "DESCENDING" as const }
        : { propertyName: sort, direction: "ASCENDING" as const };
    }
    const s = sort as { propertyName?: unknown; direction?: unknown };
    if (typeof s?.propertyName !== "string") {
      throw new HttpError(400, validation("sorts[].propertyName is required"));
    }
    return {
      propertyName: s.propertyName,
      direction: s.direction === "DESCENDING" ? ("DESCENDING" as const) : ("ASCENDING" as const),
    };
  });
}

export function parseFilterGroups(raw: unknown): Array<{ filters: SearchFilter[] }> {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new HttpError(400, validation("filterGroups must be an array"));
  if (raw.length > SEARCH_MAX_GROUPS) {
    throw new HttpError(
      400,
      validation(`Too many filter groups: ${raw.length}. The maximum is ${SEARCH_MAX_GROUPS}.`),
    );
  }
  let total = 0;
  const groups = raw.map((group: { filters?: unknown }) => {
    const filters = Array.isArray(group?.filters) ? (group.filters as SearchFilter[]) : [];
    if (filters.length > SEARCH_MAX_FILTERS_PER_GROUP) {
      throw new HttpError(
        400,
        validation(`Too many filters in a group. The maximum is ${SEARCH_MAX_FILTERS_PER_GROUP}.`),
      );
    }
    total += filters.length;
    for (const filter of filters) {
      if (typeof filter?.propertyName !== "string" || !OPERATORS.includes(filter.operator)) {
        throw new HttpError(
          400,
          validation(
            `Invalid filter: propertyName must be a string and operator one of ${OPERATORS.join(", ")}`,
          ),
        );
      }
    }
    return { filters };
  });
  if (total > SEARCH_MAX_FILTERS_TOTAL) {
    throw new HttpError(
      400,
      validation(`Too many filters: ${total}. The maximum is ${SEARCH_MAX_FILTERS_TOTAL}.`),
    );
  }
  return groups;
}

function findContact(state: SandboxState, id: string, idProperty?: string): StoredContact {
  const contact = idProperty === "email" ? state.store.getByEmail(id) : state.store.get(id);
  if (!contact) throw new HttpError(404, notFound());
  return contact;
}

export function registerObjectRoutes(app: Hono, state: SandboxState): void {
  app.post(BASE, async (c) => {
    const properties = propertiesOf(await readJson(c));
    const issues = state.store.validate(properties);
    if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
    try {
      const contact = state.store.create(properties, "INTEGRATION");
      return c.json(toApiObject(contact, Object.keys(properties), WRITE_ECHO), 201);
    } catch (error) {
      if (error instanceof ConflictError) throw new HttpError(409, conflict(error.existingId));
      throw error;
    }
  });

  app.get(BASE, (c) => {
    const limit = Number(c.req.query("limit") ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new HttpError(400, validation("limit must be an integer between 1 and 100"));
    }
    const after = c.req.query("after");
    const sorted = state.store.all().sort((a, b) => Number(a.id) - Number(b.id));
    const start = after ? sorted.filter((x) => Number(x.id) < Number(after)).length : 0;
    const page = sorted.slice(start, start + limit);
    const requested = queryList(c, "properties");
    const next = sorted[start + limit];
    const body: Record<string, unknown> = {
      results: page.map(apiObjectOf(requested)),
    };
    if (next) {
      const link = new URL(c.req.url);
      link.searchParams.set("after", next.id);
      body.paging = { next: { after: next.id, link: link.toString() } };
    }
    return c.json(body, 200);
  });

  app.post(`${BASE}/search`, async (c) => {
    const body = await readJson(c);
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
      throw new HttpError(400, validation(`limit must be between 0 and ${SEARCH_MAX_LIMIT}`));
    }
    const after = body.after === undefined || body.after === "" ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) {
      throw new HttpError(400, validation("after must be a non-negative integer offset"));
    }
    // The real API refuses to page past the 10,000th result of a query.
    if (after + limit > SEARCH_MAX_RESULTS) {
      throw new HttpError(
        400,
        validation(
          `Paging beyond ${SEARCH_MAX_RESULTS} results is not supported (after=${after}, limit=${limit}). Narrow the query with filters.`,
        ),
      );
    }
    const request = {
      filterGroups: parseFilterGroups(body.filterGroups),
      sorts: parseSorts(body.sorts),
      query: typeof body.query === "string" ? body.query : undefined,
    };
    const requested = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
    const candidates = searchCandidates(state.store, request.filterGroups);
    const hits = runSearch(candidates, request, state.store.catalog);
    const page = hits.slice(after, after + limit);
    const present = apiObjectOf(requested, ["createdate", "hs_object_id", "lastmodifieddate"]);
    const response: Record<string, unknown> = {
      total: hits.length,
      results: page.map(present),
    };
    if (after + limit < hits.length) {
      response.paging = { next: { after: String(after + limit) } };
    }
    return c.json(response, 200);
  });

  app.get(`${BASE}/:id`, (c) => {
    const contact = findContact(state, c.req.param("id"), c.req.query("idProperty"));
    return c.json(toApiObject(contact, queryList(c, "properties")), 200);
  });

  app.patch(`${BASE}/:id`, async (c) => {
    const properties = propertiesOf(await readJson(c));
    const contact = findContact(state, c.req.param("id"), c.req.query("idProperty"));
    const issues = state.store.validate(properties);
    if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
    try {
      const updated = state.store.update(contact.id, properties, "INTEGRATION");
      return c.json(toApiObject(updated, Object.keys(properties), WRITE_ECHO), 200);
    } catch (error) {
      if (error instanceof ConflictError) throw new HttpError(409, conflict(error.existingId));
      throw error;
    }
  });

  app.delete(`${BASE}/:id`, (c) => {
    // Archiving a missing contact still answers 204, as the real API does.
    state.store.archive(c.req.param("id"), "INTEGRATION");
    return c.body(null, 204);
  });
}
