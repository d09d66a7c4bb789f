/**
 * REST API: /query (+ /query/{locator} for the next pages), /sobjects/{T}/describe and
 * single-record /sobjects/{T}[/{id}]. Paths and bodies follow the REST API Developer Guide.
 */
import type { Context, Hono } from "hono";
import { guarded, notFound, present, type RestRecord, readJson, sfError } from "./present.ts";
import {
  createIdFactory,
  FIELD_CATALOG,
  fieldDef,
  KEY_PREFIX,
  type SObjectType,
  sobjectTypeOf,
} from "./schema.ts";
import { parseSoql, runSoql } from "./soql.ts";
import { type OrgStore, RequestError, type WriteOutcome } from "./store.ts";

export const API = "/services/data/:version";

interface Cursor {
  records: RestRecord[];
  pageSize: number;
  touchedAt: number;
}

const MAX_OPEN_CURSORS = 10;
const CURSOR_TTL_MS = 15 * 60_000;

export interface RestContext {
  store: OrgStore;
  queryPageSize: number;
}

export function registerRestRoutes(app: Hono, ctx: RestContext): void {
  const cursors = new Map<string, Cursor>();
  const newCursorId = createIdFactory("5g");

  const page = (id: string, cursor: Cursor, offset: number, version: string, totalSize: number) => {
    cursor.touchedAt = Date.now();
    const records = cursor.records.slice(offset, offset + cursor.pageSize);
    const next = offset + records.length;
    const done = next >= cursor.records.length;
    if (done) cursors.delete(id);
    return {
      totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${id}-${next}` }),
      records,
    };
  };

  const batchSize = (header: string | undefined): number => {
    const m = header ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
    return m ? Math.min(2000, Math.max(200, Number(m[1]))) : ctx.queryPageSize;
  };

  /** `query` reads live records; `queryAll` also the recycle bin (merged-away records). */
  const query = (c: Context, includeDeleted: boolean) =>
    guarded(c, () => {
      const version = c.req.param("version") ?? "v62.0";
      const q = c.req.query("q");
      if (!q) return sfError(c, 400, "MALFORMED_QUERY", "SOQL statement is empty");
      const parsed = parseSoql(q);
      const matched = runSoql(
        parsed,
        includeDeleted
          ? ctx.store.allIncludingDeleted(parsed.type)
          : ctx.store.candidates(parsed.type, parsed.where),
      );
      if (parsed.count) return c.json({ totalSize: matched.length, done: true, records: [] });
      const records = matched.map((r) => present(parsed.type, r, version, parsed.fields));
      const now = Date.now();
      for (const [id, cur] of cursors) if (now - cur.touchedAt > CURSOR_TTL_MS) cursors.delete(id);
      const id = newCursorId("01g");
      const cursor: Cursor = {
        records,
        pageSize: batchSize(c.req.header("sforce-query-options")),
        touchedAt: now,
      };
      cursors.set(id, cursor);
      // Salesforce keeps a limited number of open cursors per user and drops the oldest.
      while (cursors.size > MAX_OPEN_CURSORS) cursors.delete(cursors.keys().next().value!);
      return c.json(page(id, cursor, 0, version, records.length));
    });
  app.get(`${API}/query`, (c) => query(c, false));
  app.get(`${API}/queryAll`, (c) => query(c, true));

  app.get(`${API}/query/:locator`, (c) => {
    const m = /^([a-zA-Z0-9]{18})-(\d+)$/.exec(c.req.param("locator"));
    const cursor = m ? cursors.get(m[1]!) : undefined;
    if (!m || !cursor) return sfError(c, 400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    return c.json(page(m[1]!, cursor, Number(m[2]), c.req.param("version"), cursor.records.length));
  });

  app.get(`${API}/sobjects/:type/describe`, (c) => {
    const type = sobjectTypeOf(c.req.param("type"));
    if (!type) return notFound(c);
    const fields = [...FIELD_CATALOG[type].values()].map((d) => ({
      name: d.name,
      label: d.label,
      type: d.type === "int" ? "int" : d.type,
      length: d.length ?? 0,
      createable: d.writable,
      updateable: d.writable,
      nillable: d.type !== "boolean" && d.name !== "Id",
      externalId: d.externalId === true,
      unique: d.unique === true,
      ...(d.referenceTo ? { referenceTo: d.referenceTo } : {}),
      ...(d.values
        ? {
            restrictedPicklist: true,
            picklistValues: d.values.map((value) => ({ value, label: value, active: true })),
          }
        : {}),
    }));
    return c.json({ name: type, label: type, keyPrefix: KEY_PREFIX[type], fields });
  });

  const singleResult = (c: Context, outcome: WriteOutcome): Response | undefined => {
    if (outcome.ok) return undefined;
    const e = outcome.errors[0]!;
    // Single-record calls answer 400 with the first error as [{message, errorCode, fields}].
    return c.json(
      outcome.errors.map((x) => ({
        message: x.message,
        errorCode: x.statusCode,
        fields: x.fields,
      })),
      e.statusCode === "INVALID_CROSS_REFERENCE_KEY" || e.statusCode === "ENTITY_IS_DELETED"
        ? 404
        : 400,
    );
  };

  app.post(`${API}/sobjects/:type`, (c) =>
    guarded(c, async () => {
      const type = sobjectTypeOf(c.req.param("type"));
      if (!type) return notFound(c);
      const body = await readJson(c);
      if (!body || typeof body !== "object" || Array.isArray(body)) {
        throw new RequestError(400, "JSON_PARSER_ERROR", "Expected a JSON object");
      }
      const outcome = ctx.store.create(
        type,
        ctx.store.normalize(type, body as Record<string, unknown>),
      );
      return (
        singleResult(c, outcome) ??
        c.json({ id: outcome.ok ? outcome.id : "", success: true, errors: [] }, 201)
      );
    }),
  );

  const withRecord = (type: SObjectType | undefined, id: string) =>
    type ? ctx.store.get(type, id) : undefined;

  app.get(`${API}/sobjects/:type/:id`, (c) =>
    guarded(c, () => {
      const type = sobjectTypeOf(c.req.param("type"));
      const record = withRecord(type, c.req.param("id"));
      if (!type || !record) return notFound(c);
      const names = c.req.query("fields");
      const fields = names?.split(",").map((n) => {
        const def = fieldDef(type, n.trim());
        if (!def)
          throw new RequestError(400, "INVALID_FIELD", `No such column '${n}' on entity '${type}'`);
        return def;
      });
      return c.json(present(type, record, c.req.param("version"), fields));
    }),
  );

  app.patch(`${API}/sobjects/:type/:id`, (c) =>
    guarded(c, async () => {
      const type = sobjectTypeOf(c.req.param("type"));
      if (!type || !withRecord(type, c.req.param("id"))) return notFound(c);
      const body = (await readJson(c)) as Record<string, unknown>;
      const outcome = ctx.store.update(
        type,
        c.req.param("id"),
        ctx.store.normalize(type, body ?? {}),
      );
      return singleResult(c, outcome) ?? c.body(null, 204);
    }),
  );

  app.delete(`${API}/sobjects/:type/:id`, (c) => {
    const type = sobjectTypeOf(c.req.param("type"));
    if (!type) return notFound(c);
    const outcome = ctx.store.delete(type, c.req.param("id"));
    if (!outcome.ok) {
      const e = outcome.errors[0]!;
      return sfError(
        c,
        404,
        e.statusCode === "ENTITY_IS_DELETED" ? e.statusCode : "NOT_FOUND",
        e.statusCode === "ENTITY_IS_DELETED" ? e.message : "The requested resource does not exist",
      );
    }
    return c.body(null, 204);
  });
}
