/** Turns stored records into REST JSON (attributes + fields, datetimes as "+0000"). */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  FIELD_CATALOG,
  type FieldDef,
  formatDatetime,
  type SObjectType,
  type StoredRecord,
} from "./schema.ts";
import { RequestError } from "./store.ts";

export type RestRecord = Record<string, unknown> & { attributes: { type: string; url: string } };

export function present(
  type: SObjectType,
  record: StoredRecord,
  version: string,
  fields?: FieldDef[],
): RestRecord {
  const out: RestRecord = {
    attributes: { type, url: `/services/data/${version}/sobjects/${type}/${record.Id}` },
  };
  const defs = fields ?? [...FIELD_CATALOG[type].values()];
  for (const def of defs) {
    const value = record[def.name] ?? null;
    out[def.name] =
      def.type === "datetime" && typeof value === "number" ? formatDatetime(value) : value;
  }
  return out;
}

export function sfError(
  c: Context,
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): Response {
  return c.json(
    [{ message, errorCode, ...(fields ? { fields } : {}) }],
    status as ContentfulStatusCode,
  );
}

export function notFound(c: Context): Response {
  return sfError(c, 404, "NOT_FOUND", "The requested resource does not exist");
}

/** Runs a handler and turns RequestError (and bad JSON) into Salesforce error arrays. */
export async function guarded(
  c: Context,
  fn: () => Promise<Response> | Response,
): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RequestError)
      return sfError(c, error.status, error.errorCode, error.message, error.fields);
    if (error instanceof SyntaxError) {
      return sfError(
        c,
        400,
        "JSON_PARSER_ERROR",
        `Unexpected character in request body: ${error.message}`,
      );
    }
    throw error;
  }
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  return JSON.parse(text);
}
