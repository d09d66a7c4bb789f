/**
 * Engagement objects (/crm/v3/objects/meetings|emails: create, read, search) and the v4
 * association batch read that tells which contacts each engagement belongs to.
 * Docs: https://developers.hubspot.com/docs/api/crm/meetings, .../crm/email,
 * https://developers.hubspot.com/docs/api/crm/associations (v4 batch read)
 */
import type { Hono } from "hono";
import { HttpError, queryList, readJson, type SandboxState } from "./app.ts";
import {
  CONTACT_ASSOCIATION_TYPE,
  ENGAGEMENT_DEFAULT_READ,
  type EngagementObject,
  isEngagementObject,
  type StoredEngagement,
} from "./engagement-store.ts";
import { errorBody, notFound, propertyValidation, validation } from "./errors.ts";
import { parseFilterGroups, parseSorts, propertiesOf } from "./routes-objects.ts";
import { runSearch, SEARCH_MAX_LIMIT, SEARCH_MAX_RESULTS } from "./search.ts";
import { catalogIssue, type PropertyIssue } from "./store.ts";

export function toEngagementObject(
  record: StoredEngagement,
  requested: string[] | undefined,
  withAssociations = false,
): Record<string, unknown> {
  const names = [...new Set([...ENGAGEMENT_DEFAULT_READ, ...(requested ?? [])])];
  const properties: Record<string, string | null> = {};
  for (const name of names) properties[name] = record.properties[name] ?? null;
  const body: Record<string, unknown> = {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: false,
  };
  if (withAssociations && record.contactIds.length > 0) {
    body.associations = {
      contacts: {
        results: record.contactIds.map((id) => ({
          id,
          type: `${record.object.replace(/s$/, "")}_to_contact`,
        })),
      },
    };
  }
  return body;
}

function objectOf(param: string): EngagementObject {
  if (!isEngagementObject(param)) throw new HttpError(404, notFound());
  return param;
}

export function validateEngagement(
  state: SandboxState,
  object: EngagementObject,
  properties: Record<string, unknown>,
): PropertyIssue[] {
  const catalog = state.engagements.catalogs[object];
  return Object.keys(properties).flatMap((name) => catalogIssue(catalog.get(name), name) ?? []);
}

/** Contact ids from the v3 create body's `associations: [{to: {id}, types: [...]}]`. */
function associatedContacts(state: SandboxState, body: Record<string, unknown>): string[] {
  const raw = body.associations;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new HttpError(400, validation("associations must be an array"));
  return raw.map((a: { to?: { id?: unknown } }) => {
    const id = String(a?.to?.id ?? "");
    if (!state.store.get(id)) {
      throw new HttpError(400, validation(`One or more associations are invalid: contact ${id}`));
    }
    return id;
  });
}

export function registerEngagementRoutes(app: Hono, state: SandboxState): void {
  const engagements = state.engagements;

  app.post("/crm/v3/objects/:object/search", async (c, next) => {
    if (!isEngagementObject(c.req.param("object"))) return next();
    const object = objectOf(c.req.param("object"));
    const body = await readJson(c);
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_MAX_LIMIT) {
      throw new HttpError(400, validation(`limit must be between 0 and ${SEARCH_MAX_LIMIT}`));
    }
    const after = body.after === undefined || body.after === "" ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0 || after + limit > SEARCH_MAX_RESULTS) {
      throw new HttpError(400, validation(`Paging beyond ${SEARCH_MAX_RESULTS} is not supported`));
    }
    const request = {
      filterGroups: parseFilterGroups(body.filterGroups),
      sorts: parseSorts(body.sorts),
    };
    const requested = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
    const hits = runSearch(engagements.all(object), request, engagements.catalogs[object]);
    const page = hits.slice(after, after + limit) as StoredEngagement[];
    const response: Record<string, unknown> = {
      total: hits.length,
      results: page.map((record) => toEngagementObject(record, requested)),
    };
    if (after + limit < hits.length) response.paging = { next: { after: String(after + limit) } };
    return c.json(response, 200);
  });

  app.post("/crm/v3/objects/:object", async (c, next) => {
    if (!isEngagementObject(c.req.param("object"))) return next();
    const object = objectOf(c.req.param("object"));
    const body = await readJson(c);
    const properties = propertiesOf(body);
    const issues = validateEngagement(state, object, properties);
    if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
    const contacts = associatedContacts(state, body);
    const record = engagements.create(object, properties as Record<string, string>, contacts);
    return c.json(toEngagementObject(record, Object.keys(properties)), 201);
  });

  app.get("/crm/v3/objects/:object/:id", (c, next) => {
    if (!isEngagementObject(c.req.param("object"))) return next();
    const record = engagements.get(objectOf(c.req.param("object")), c.req.param("id"));
    if (!record) throw new HttpError(404, notFound());
    const withAssociations = (queryList(c, "associations") ?? []).includes("contacts");
    return c.json(toEngagementObject(record, queryList(c, "properties"), withAssociations), 200);
  });

  app.post("/crm/v4/associations/:from/:to/batch/read", async (c) => {
    const from = c.req.param("from");
    if (!isEngagementObject(from) || c.req.param("to") !== "contacts") {
      throw new HttpError(400, validation("Unsupported association object types"));
    }
    const body = await readJson(c);
    if (!Array.isArray(body.inputs))
      throw new HttpError(400, validation("inputs must be an array"));
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of body.inputs as Array<{ id?: unknown }>) {
      const id = String(input?.id ?? "");
      const record = engagements.get(from, id);
      if (!record || record.contactIds.length === 0) {
        errors.push(
          errorBody("OBJECT_NOT_FOUND", `No ${from} is associated with object ${id}`, {
            context: { fromObjectId: [id] },
          }),
        );
        continue;
      }
      results.push({
        from: { id },
        to: record.contactIds.map((contactId) => ({
          toObjectId: Number(contactId),
          associationTypes: [
            { category: "HUBSPOT_DEFINED", typeId: CONTACT_ASSOCIATION_TYPE[from], label: null },
          ],
        })),
      });
    }
    const now = new Date().toISOString();
    const answer: Record<string, unknown> = {
      status: "COMPLETE",
      results,
      startedAt: now,
      completedAt: now,
    };
    if (errors.length > 0) Object.assign(answer, { numErrors: errors.length, errors });
    return c.json(answer, errors.length > 0 ? 207 : 200);
  });
}
