/**
 * sObject Collections (API 42+): POST/PATCH/DELETE /composite/sobjects for up to 200
 * records, retrieve /composite/sobjects/{T} for up to 2,000 ids, and upsert
 * PATCH /composite/sobjects/{T}/{ExtIdField} (API 46+; `Id` or a field marked External ID,
 * e.g. Task.Tsunagu_Key__c). A well-formed call answers 200 with one result per record; with
 * allOrNone a single failure rolls everything back.
 */
import type { Context, Hono } from "hono";
import { guarded, notFound, present, readJson } from "./present.ts";
import { API } from "./rest.ts";
import { fieldDef, SOBJECT_TYPES, type SObjectType, sobjectTypeOf } from "./schema.ts";
import { type OrgStore, type RecordError, RequestError, type WriteOutcome } from "./store.ts";

const MAX_DML = 200;
const MAX_RETRIEVE = 2000;

interface SaveResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: RecordError[];
}

const ROLLED_BACK: RecordError = {
  statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
  message:
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
  fields: [],
};

function tooMany(limit: number): RequestError {
  return new RequestError(
    400,
    "EXCEEDED_ID_LIMIT",
    `record limit reached. cannot submit more than ${limit} records into this call`,
  );
}

type Planned =
  | { run: (commit: boolean) => WriteOutcome; id?: string }
  | { error: RecordError; id?: string };

/** Two passes: validate everything, then (unless allOrNone found a failure) commit. */
function execute(planned: Planned[], allOrNone: boolean, upsert: boolean): SaveResult[] {
  const dry = planned.map((p) =>
    "error" in p ? ({ ok: false, errors: [p.error] } as WriteOutcome) : p.run(false),
  );
  const failed = dry.some((o) => !o.ok);
  if (allOrNone && failed) {
    return dry.map((o, i) => ({
      id: planned[i]!.id ?? null,
      success: false,
      errors: o.ok ? [ROLLED_BACK] : o.errors,
    }));
  }
  return planned.map((p, i): SaveResult => {
    const outcome = "error" in p || !dry[i]!.ok ? dry[i]! : p.run(true);
    if (!outcome.ok)
      return { ...(p.id ? { id: p.id } : {}), success: false, errors: outcome.errors };
    return {
      id: outcome.id,
      success: true,
      ...(upsert ? { created: outcome.created } : {}),
      errors: [],
    };
  });
}

function parseBody(raw: unknown): { allOrNone: boolean; records: Record<string, unknown>[] } {
  const body = raw as { allOrNone?: unknown; records?: unknown };
  if (!body || typeof body !== "object" || !Array.isArray(body.records)) {
    throw new RequestError(400, "JSON_PARSER_ERROR", "Expected {allOrNone, records:[...]}");
  }
  if (body.records.length > MAX_DML) throw tooMany(MAX_DML);
  return { allOrNone: body.allOrNone === true, records: body.records as Record<string, unknown>[] };
}

function recordType(record: Record<string, unknown>, fallback?: SObjectType): SObjectType {
  const attrs = record.attributes as { type?: unknown } | undefined;
  const type = typeof attrs?.type === "string" ? sobjectTypeOf(attrs.type) : fallback;
  if (!type) throw new RequestError(400, "INVALID_TYPE", "Must send a concrete entity type.");
  return type;
}

function split(record: Record<string, unknown>): { id?: string; fields: Record<string, unknown> } {
  const { attributes: _a, id, Id, ...fields } = record;
  const value = id ?? Id;
  return { id: typeof value === "string" ? value : undefined, fields };
}

function missingKey(field: string): RecordError {
  return {
    statusCode: "MISSING_ARGUMENT",
    message: `${field} not specified in an upsert call`,
    fields: [field],
  };
}

function duplicateKey(field: string, key: string): RecordError {
  return {
    statusCode: "DUPLICATE_EXTERNAL_ID",
    message: `${field}: more than one record found for external id field: ${key}`,
    fields: [field],
  };
}

export function registerCollectionRoutes(app: Hono, store: OrgStore): void {
  app.post(`${API}/composite/sobjects`, (c) =>
    guarded(c, async () => {
      const { allOrNone, records } = parseBody(await readJson(c));
      const planned = records.map((record): Planned => {
        const type = recordType(record);
        const { id, fields } = split(record);
        const normalized = store.normalize(type, fields);
        if (id)
          return {
            error: {
              statusCode: "INVALID_FIELD",
              message: "cannot specify Id in an insert call",
              fields: [],
            },
          };
        return { run: (commit) => store.create(type, normalized, commit) };
      });
      return c.json(execute(planned, allOrNone, false));
    }),
  );

  app.patch(`${API}/composite/sobjects`, (c) =>
    guarded(c, async () => {
      const { allOrNone, records } = parseBody(await readJson(c));
      const planned = records.map((record): Planned => {
        const type = recordType(record);
        const { id, fields } = split(record);
        const normalized = store.normalize(type, fields);
        if (!id)
          return {
            error: {
              statusCode: "MISSING_ARGUMENT",
              message: "Id not specified in an update call",
              fields: [],
            },
          };
        return { id, run: (commit) => store.update(type, id, normalized, commit) };
      });
      return c.json(execute(planned, allOrNone, false));
    }),
  );

  app.patch(`${API}/composite/sobjects/:type/:extIdField`, (c) =>
    guarded(c, async () => {
      const type = sobjectTypeOf(c.req.param("type"));
      if (!type) return notFound(c);
      const extField = c.req.param("extIdField");
      const extDef = fieldDef(type, extField);
      if (extDef?.name !== "Id" && !extDef?.externalId) {
        throw new RequestError(
          400,
          "INVALID_FIELD",
          `Field name provided, ${extField} is not an External ID or indexed field for ${type}`,
        );
      }
      const { allOrNone, records } = parseBody(await readJson(c));
      const seen = new Set<string>();
      const planned = records.map((record): Planned => {
        recordType(record, type);
        if (extDef.name === "Id") {
          const { id, fields } = split(record);
          const normalized = store.normalize(type, fields);
          return id
            ? { id, run: (commit) => store.update(type, id, normalized, commit) }
            : { run: (commit) => store.create(type, normalized, commit) };
        }
        const { attributes: _a, ...fields } = record;
        const normalized = store.normalize(type, fields);
        const key = normalized[extDef.name];
        if (typeof key !== "string" || key === "") return { error: missingKey(extDef.name) };
        // The same key twice in one call fails both, as Salesforce does.
        if (seen.has(key.toLowerCase())) return { error: duplicateKey(extDef.name, key) };
        seen.add(key.toLowerCase());
        const matches = store.findBy(type, extDef.name, key);
        if (matches.length > 1) return { error: duplicateKey(extDef.name, key) };
        const existing = matches[0]?.Id as string | undefined;
        const { [extDef.name]: _k, ...rest } = normalized;
        return existing
          ? { id: existing, run: (commit) => store.update(type, existing, rest, commit) }
          : { run: (commit) => store.create(type, normalized, commit) };
      });
      return c.json(execute(planned, allOrNone, true));
    }),
  );

  app.delete(`${API}/composite/sobjects`, (c) =>
    guarded(c, () => {
      const ids = (c.req.query("ids") ?? "").split(",").filter(Boolean);
      if (ids.length > MAX_DML) throw tooMany(MAX_DML);
      const allOrNone = c.req.query("allOrNone") === "true";
      const planned = ids.map((id): Planned => {
        const type = SOBJECT_TYPES.find((t) => store.get(t, id));
        return type
          ? { id, run: (commit) => store.delete(type, id, commit) }
          : { id, error: store.missingError("Lead", id) };
      });
      return c.json(execute(planned, allOrNone, false));
    }),
  );

  const retrieve = (c: Context, type: SObjectType, ids: string[], names: string[]) => {
    if (ids.length > MAX_RETRIEVE) throw tooMany(MAX_RETRIEVE);
    if (names.length === 0) throw new RequestError(400, "MISSING_ARGUMENT", "fields is required");
    const fields = names.map((n) => {
      const def = fieldDef(type, n.trim());
      if (!def)
        throw new RequestError(400, "INVALID_FIELD", `No such column '${n}' on entity '${type}'`);
      return def;
    });
    const version = c.req.param("version")!;
    // Missing or deleted ids come back as null in their position.
    return c.json(
      ids.map((id) => {
        const record = store.get(type, id);
        return record ? present(type, record, version, fields) : null;
      }),
    );
  };

  app.get(`${API}/composite/sobjects/:type`, (c) =>
    guarded(c, () => {
      const type = sobjectTypeOf(c.req.param("type"));
      if (!type) return notFound(c);
      const list = (name: string) => (c.req.query(name) ?? "").split(",").filter(Boolean);
      return retrieve(c, type, list("ids"), list("fields"));
    }),
  );

  app.post(`${API}/composite/sobjects/:type`, (c) =>
    guarded(c, async () => {
      const type = sobjectTypeOf(c.req.param("type"));
      if (!type) return notFound(c);
      const body = (await readJson(c)) as { ids?: unknown; fields?: unknown };
      const ids = Array.isArray(body?.ids) ? body.ids.map(String) : [];
      const fields = Array.isArray(body?.fields) ? body.fields.map(String) : [];
      return retrieve(c, type, ids, fields);
    }),
  );
}
