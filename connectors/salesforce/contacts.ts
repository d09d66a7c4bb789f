import type {
  ChangePage,
  FieldValue,
  PullOptions,
  SourceRecord,
  WriteOp,
  WriteResult,
} from "../contract.ts";
import {
  type SalesforceRecord,
  SalesforceRetrieveResult,
  SalesforceSaveResults,
} from "./api-types.ts";
import { errorCode, isRetryableLater, type SalesforceClient } from "./client.ts";
import { inQueries } from "./in-lists.ts";
import { queryPages } from "./records.ts";

export const MAX_DML_RECORDS = 200;
export const MAX_RETRIEVE_IDS = 2000;
const CURSOR_PREFIX = "sf1:";

export interface ObjectFields {
  fields: Record<string, string[]>;
}

/** A SOQL string literal: backslash, quote and control characters escaped. */
export function soqlString(value: string): string {
  const escaped = value.replace(
    /[\\'"\n\r\t\b\f]/g,
    (c) =>
      ({
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
      })[c]!,
  );
  return `'${escaped}'`;
}

/** An unquoted SOQL dateTime literal (UTC, with milliseconds). */
export function soqlDatetime(ms: number): string {
  return new Date(ms).toISOString();
}

export function encodeCursor(modstampMs: number): string {
  return `${CURSOR_PREFIX}${new Date(modstampMs).toISOString()}`;
}

export function decodeCursor(cursor: string): number {
  const ms = cursor.startsWith(CURSOR_PREFIX)
    ? Date.parse(cursor.slice(CURSOR_PREFIX.length))
    : Number.NaN;
  if (Number.isNaN(ms))
    throw new Error(`Invalid Salesforce cursor: ${JSON.stringify(cursor.slice(0, 40))}`);
  return ms;
}

/** REST datetimes look like 2024-05-01T12:34:56.000+0000. */
export function parseSalesforceDatetime(value: unknown): number {
  const ms =
    typeof value === "string"
      ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))
      : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function toSourceRecord(object: string, record: SalesforceRecord): SourceRecord {
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === "attributes") continue;
    fields[key] =
      value === null ||
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
        ? value
        : value === undefined
          ? null
          : JSON.stringify(value);
  }
  return {
    system: "salesforce",
    object,
    externalId: record.Id,
    modifiedAt: parseSalesforceDatetime(record.SystemModstamp),
    fields,
  };
}

export function selectList(object: string, config: ObjectFields, extra: string[] = []): string {
  const wanted = ["Id", "SystemModstamp", ...extra, ...(config.fields[object] ?? [])];
  const seen = new Set<string>();
  return wanted.filter((f) => !seen.has(f.toLowerCase()) && seen.add(f.toLowerCase())).join(", ");
}

/** Converted Leads are read-only history: the person now lives on the Contact. */
const unconverted = (object: string) => (object === "Lead" ? ["IsConverted = false"] : []);

/**
 * Records with SystemModstamp >= the cursor, oldest first, one page per query/queryMore.
 * `>=` (not `>`) on purpose: ties at the cursor's timestamp are re-read, never skipped.
 */
export async function* pullChanges(
  client: SalesforceClient,
  config: ObjectFields,
  object: string,
  cursor: string | null,
  options: PullOptions = {},
): AsyncGenerator<ChangePage> {
  const since = cursor ? decodeCursor(cursor) : options.since;
  const where = [
    ...(since !== undefined ? [`SystemModstamp >= ${soqlDatetime(since)}`] : []),
    ...(options.until !== undefined ? [`SystemModstamp <= ${soqlDatetime(options.until)}`] : []),
    ...unconverted(object),
  ];
  const soql = `SELECT ${selectList(object, config)} FROM ${object}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY SystemModstamp ASC, Id ASC`;
  // Sforce-Query-Options batchSize is a hint between 200 and 2,000 (the default).
  const headers: Record<string, string> = options.pageSize
    ? { "Sforce-Query-Options": `batchSize=${Math.min(2000, Math.max(200, options.pageSize))}` }
    : {};
  for await (const page of queryPages(client, soql, {
    headers,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    const records = page.records.map((r) => toSourceRecord(object, r));
    const last = records.at(-1);
    if (last) yield { records, cursor: encodeCursor(last.modifiedAt) };
  }
}

export async function fetchByIds(
  client: SalesforceClient,
  config: ObjectFields,
  object: string,
  ids: string[],
): Promise<SourceRecord[]> {
  const fields = selectList(object, config).split(", ");
  const out: SourceRecord[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += MAX_RETRIEVE_IDS) {
    const chunk = unique.slice(i, i + MAX_RETRIEVE_IDS);
    // POST /composite/sobjects/{T} {ids, fields}: null in place of missing/deleted ids.
    const raw = await client.call((conn) => conn.sobject(object).retrieve(chunk, { fields }));
    for (const record of SalesforceRetrieveResult.parse(raw)) {
      if (record) out.push(toSourceRecord(object, record));
    }
  }
  return out;
}

/** Contacts first, then unconverted Leads; SOQL `=`/IN on Email is case-insensitive. */
export async function findByEmails(
  client: SalesforceClient,
  config: ObjectFields,
  objects: readonly string[],
  emails: string[],
): Promise<SourceRecord[]> {
  const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const order = ["Contact", "Lead"].filter((o) => objects.includes(o));
  const out: SourceRecord[] = [];
  for (const object of order) {
    const select = selectList(object, config, ["Email"]);
    const soqls = inQueries(unique, (list) => {
      const where = [`Email IN (${list})`, ...unconverted(object)].join(" AND ");
      return `SELECT ${select} FROM ${object} WHERE ${where} ORDER BY SystemModstamp ASC, Id ASC`;
    });
    for (const soql of soqls) {
      for await (const page of queryPages(client, soql)) {
        out.push(...page.records.map((r) => toSourceRecord(object, r)));
      }
    }
  }
  return out;
}

async function writeChunk(
  client: SalesforceClient,
  object: string,
  ops: WriteOp[],
  mode: "create" | "update",
): Promise<WriteResult[]> {
  try {
    // POST (create) or PATCH (update) /composite/sobjects with allOrNone false: each record
    // succeeds or fails on its own, results come back in request order.
    const raw =
      mode === "create"
        ? await client.call(
            (conn) =>
              conn.sobject(object).create(
                ops.map((op) => ({ ...op.fields })),
                { allOrNone: false },
              ),
            {
              idempotent: false,
            },
          )
        : await client.call((conn) =>
            conn.sobject(object).update(
              ops.map((op) => ({ ...op.fields, Id: op.externalId! })),
              { allOrNone: false },
            ),
          );
    const results = SalesforceSaveResults.parse(raw);
    return ops.map((op, i): WriteResult => {
      const r = results[i];
      if (r?.success) {
        return {
          ref: op.ref,
          ok: true,
          externalId: r.id ?? op.externalId,
          created: mode === "create",
        };
      }
      const e = r?.errors[0];
      return {
        ref: op.ref,
        ok: false,
        ...(op.externalId ? { externalId: op.externalId } : {}),
        error: {
          code: e?.statusCode ?? "MISSING_RESULT",
          message: e
            ? r!.errors.map((x) => x.message).join("; ")
            : "Salesforce returned no result for this record",
          fields: e?.fields ?? [],
          retryable: false,
        },
      };
    });
  } catch (error) {
    const idempotent = mode === "update";
    const retryable = isRetryableLater(error, { idempotent });
    // A create that timed out may have been committed: re-sending could duplicate it.
    const unknownOutcome = !idempotent && !(error as { status?: number }).status && !retryable;
    return ops.map((op) => ({
      ref: op.ref,
      ok: false,
      ...(op.externalId ? { externalId: op.externalId } : {}),
      error: {
        code: unknownOutcome ? "OUTCOME_UNKNOWN" : errorCode(error),
        message: unknownOutcome
          ? "The create request failed in transit; it may have been applied. Look the record up before creating it again."
          : error instanceof Error
            ? error.message
            : String(error),
        fields: (error as { fields?: string[] }).fields ?? [],
        retryable,
      },
    }));
  }
}

export async function write(
  client: SalesforceClient,
  objects: readonly string[],
  ops: WriteOp[],
): Promise<WriteResult[]> {
  const results = new Map<WriteOp, WriteResult>();
  const groups = new Map<string, WriteOp[]>();
  for (const op of ops) {
    if (!objects.includes(op.object)) {
      results.set(op, {
        ref: op.ref,
        ok: false,
        error: {
          code: "UNSUPPORTED_OBJECT",
          message: `Object ${op.object} is not configured`,
          retryable: false,
        },
      });
      continue;
    }
    const key = `${op.object}:${op.externalId ? "update" : "create"}`;
    const group = groups.get(key);
    if (group) group.push(op);
    else groups.set(key, [op]);
  }
  for (const [key, group] of groups) {
    const [object, mode] = key.split(":") as [string, "create" | "update"];
    for (let i = 0; i < group.length; i += MAX_DML_RECORDS) {
      const chunk = group.slice(i, i + MAX_DML_RECORDS);
      const chunkResults = await writeChunk(client, object, chunk, mode);
      for (const [j, op] of chunk.entries()) results.set(op, chunkResults[j]!);
    }
  }
  return ops.map((op) => results.get(op)!);
}
