/**
 * Generic record I/O for the consent, engagement and erasure capabilities: query with all
 * pages, and sObject Collections create/update/upsert/delete in calls of 200, each record
 * reported on its own. Every call goes through `client.call` (the one retry layer).
 */
import type { WriteError } from "../contract.ts";
import {
  SalesforceQueryResult,
  type SalesforceRecord,
  SalesforceSaveResults,
} from "./api-types.ts";
import { errorCode, isRetryableLater, type SalesforceClient } from "./client.ts";
import { MAX_DML_RECORDS } from "./contacts.ts";
import { inQueries } from "./in-lists.ts";

export type SaveOutcome =
  | { ok: true; id: string; created: boolean }
  | { ok: false; id?: string; error: WriteError };

/** Every record of a SOQL query, following `nextRecordsUrl` page by page. */
export async function queryAll(
  client: SalesforceClient,
  soql: string,
): Promise<SalesforceRecord[]> {
  const out: SalesforceRecord[] = [];
  for await (const page of queryPages(client, soql)) out.push(...page.records);
  return out;
}

/**
 * Every page of a SOQL query: `query`, then `queryMore` on `nextRecordsUrl` until `done`,
 * each page a separate call (jsforce's autoFetch would stop silently at 10,000 records).
 */
export async function* queryPages(
  client: SalesforceClient,
  soql: string,
  options: { headers?: Record<string, string>; signal?: AbortSignal; scanAll?: boolean } = {},
): AsyncGenerator<SalesforceQueryResult> {
  const headers = options.headers ?? {};
  let next: string | undefined;
  let first = true;
  while (first || next) {
    options.signal?.throwIfAborted();
    const locator = next;
    const raw = await client.call((conn) =>
      locator
        ? conn.queryMore(locator, { headers })
        : conn.query(soql, { headers, scanAll: options.scanAll === true }),
    );
    first = false;
    const page = SalesforceQueryResult.parse(raw);
    next = page.done ? undefined : page.nextRecordsUrl;
    yield page;
  }
}

/** `SELECT ... WHERE <field> IN (...) [AND extra]` over any number of values, in as few queries as fit. */
export async function queryIn(
  client: SalesforceClient,
  object: string,
  select: string[],
  field: string,
  values: string[],
  extra?: string,
): Promise<SalesforceRecord[]> {
  const out: SalesforceRecord[] = [];
  const soqls = inQueries(
    [...new Set(values)],
    (list) =>
      `SELECT ${select.join(", ")} FROM ${object} WHERE ${field} IN (${list})${extra ? ` AND ${extra}` : ""}`,
  );
  for (const soql of soqls) out.push(...(await queryAll(client, soql)));
  return out;
}

export function failure(code: string, message: string, retryable = false): WriteError {
  return { code, message, retryable };
}

function callFailure(error: unknown, idempotent: boolean): WriteError {
  const retryable = isRetryableLater(error, { idempotent });
  const unknown = !idempotent && !(error as { status?: number }).status && !retryable;
  return {
    code: unknown ? "OUTCOME_UNKNOWN" : errorCode(error),
    message: unknown
      ? "The create request failed in transit; it may have been applied."
      : error instanceof Error
        ? error.message
        : String(error),
    fields: (error as { fields?: string[] }).fields ?? [],
    retryable,
  };
}

type Mode =
  | { kind: "create" }
  | { kind: "update" }
  | { kind: "upsert"; extIdField: string }
  | { kind: "delete" };

/**
 * One Collections call per 200 records (`allOrNone: false`), one outcome per input in order.
 * Creates are not idempotent (never retried after a network error); updates, upserts on an
 * external id and deletes are.
 */
export async function saveAll(
  client: SalesforceClient,
  object: string,
  mode: Mode,
  records: Array<Record<string, unknown>>,
): Promise<SaveOutcome[]> {
  const out: SaveOutcome[] = [];
  const idempotent = mode.kind !== "create";
  for (let i = 0; i < records.length; i += MAX_DML_RECORDS) {
    const chunk = records.slice(i, i + MAX_DML_RECORDS);
    try {
      const raw = await client.call(
        (conn) => {
          const sobject = conn.sobject(object);
          const options = { allOrNone: false };
          switch (mode.kind) {
            case "create":
              return sobject.create(chunk, options);
            case "update":
              return sobject.update(chunk as Array<{ Id: string }>, options);
            case "upsert":
              return sobject.upsert(chunk, mode.extIdField, options);
            case "delete":
              // DELETE /composite/sobjects?ids=...
              return sobject.destroy(
                chunk.map((r) => String(r.Id)),
                options,
              );
          }
        },
        { idempotent },
      );
      const results = SalesforceSaveResults.parse(raw);
      chunk.forEach((record, j) => {
        const r = results[j];
        const id = r?.id ?? (typeof record.Id === "string" ? record.Id : undefined);
        if (r?.success && id) {
          out.push({ ok: true, id, created: r.created ?? mode.kind === "create" });
          return;
        }
        const e = r?.errors[0];
        out.push({
          ok: false,
          ...(id ? { id } : {}),
          error: {
            code: e?.statusCode ?? "MISSING_RESULT",
            message: e ? r!.errors.map((x) => x.message).join("; ") : "No result for this record",
            fields: e?.fields ?? [],
            retryable: false,
          },
        });
      });
    } catch (error) {
      const e = callFailure(error, idempotent);
      for (const _ of chunk) out.push({ ok: false, error: e });
    }
  }
  return out;
}
