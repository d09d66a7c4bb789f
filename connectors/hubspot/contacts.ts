/**
 * Contacts: incremental pull (search sliced on lastmodifieddate), fetch by ids or emails
 * (batch read), and batched writes with one result per op.
 * Docs: https://developers.hubspot.com/docs/api/crm/search and .../crm/contacts (batch).
 */

import type {
  ChangePage,
  FieldValue,
  PullOptions,
  SourceRecord,
  WriteOp,
  WriteResult,
} from "../contract.ts";
import {
  type HubspotBatchError,
  HubspotBatchResponse,
  type HubspotContact,
  HubspotSearchResponse,
} from "./api-types.ts";
import { classifyHubspotError, describeHubspotError, type HubspotApi } from "./client.ts";
import { type Filter, sweepSearch } from "./search-sweep.ts";

export const BATCH_SIZE = 100;
export const SEARCH_PAGE_MAX = 200;

export function toSourceRecord(contact: HubspotContact): SourceRecord {
  const lastModified = contact.properties.lastmodifieddate;
  const modifiedAt = lastModified
    ? Date.parse(lastModified)
    : contact.updatedAt
      ? new Date(contact.updatedAt).getTime()
      : 0;
  return {
    system: "hubspot",
    object: "contact",
    externalId: contact.id,
    modifiedAt,
    fields: { ...contact.properties },
  };
}

const CURSOR_PREFIX = "hubspot:lmd:v1:";

export function encodeCursor(modifiedAt: number): string {
  return `${CURSOR_PREFIX}${modifiedAt}`;
}

export function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  const raw = cursor.startsWith(CURSOR_PREFIX) ? cursor.slice(CURSOR_PREFIX.length) : "";
  if (!/^\d+$/.test(raw)) throw new Error(`Invalid HubSpot contact cursor: ${cursor}`);
  return Number(raw);
}

/**
 * Pages of contacts modified at or after the cursor, oldest first.
 *
 * Search stops at 10,000 results per query and pages by offset, and offsets shift when a
 * record is modified mid-pull (it jumps to the end of the order), which can skip a record.
 * So every page is a fresh query `lastmodifieddate >= last seen value` (keyset paging):
 * ties at the boundary are re-read, never skipped, and no query ever nears the cap. When a
 * whole page shares one timestamp, that timestamp is swept by hs_object_id before moving on.
 */
export async function* pullContacts(
  api: HubspotApi,
  properties: string[],
  cursor: string | null,
  options: PullOptions = {},
): AsyncGenerator<ChangePage> {
  const limit = Math.min(Math.max(options.pageSize ?? SEARCH_PAGE_MAX, 1), SEARCH_PAGE_MAX);
  const wanted = [...new Set([...properties, "lastmodifieddate", "email"])];
  const untilFilter: Filter[] =
    options.until === undefined
      ? []
      : [{ propertyName: "lastmodifieddate", operator: "LTE", value: String(options.until) }];
  const search = async (filters: Filter[], sortBy: string): Promise<SourceRecord[]> => {
    options.signal?.throwIfAborted();
    const response = await api.call(
      (sdk) =>
        sdk.crm.contacts.searchApi.doSearch({
          filterGroups: [{ filters: [...filters, ...untilFilter] as never }],
          sorts: [{ propertyName: sortBy, direction: "ASCENDING" }] as never,
          properties: wanted,
          limit,
          after: "0",
        }),
      { search: true },
    );
    return HubspotSearchResponse.parse(response).results.map(toSourceRecord);
  };

  // A null cursor reads everything, or from `since` when a backfill gives one.
  const since = cursor === null ? (options.since ?? 0) : decodeCursor(cursor);
  for await (const { items, at } of sweepSearch({
    search,
    timeProperty: "lastmodifieddate",
    timeOf: (r: SourceRecord) => r.modifiedAt,
    idOf: (r) => r.externalId,
    since,
    limit,
  })) {
    yield { records: items, cursor: encodeCursor(at) };
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Batch read, 100 per call. Missing ids come back in a 207's errors and are simply absent. */
export async function readContacts(
  api: HubspotApi,
  properties: string[],
  ids: string[],
  idProperty?: "email",
): Promise<SourceRecord[]> {
  const unique = [...new Set(ids.map((id) => (idProperty ? id.trim().toLowerCase() : id)))];
  const wanted = [...new Set([...properties, "lastmodifieddate", "email"])];
  const out: SourceRecord[] = [];
  const seen = new Set<string>();
  for (const part of chunk(unique.filter(Boolean), BATCH_SIZE)) {
    const response = await api.call((sdk) =>
      sdk.crm.contacts.batchApi.read({
        inputs: part.map((id) => ({ id })),
        properties: wanted,
        propertiesWithHistory: [],
        ...(idProperty ? { idProperty } : {}),
      }),
    );
    for (const contact of HubspotBatchResponse.parse(response).results) {
      if (seen.has(contact.id)) continue;
      seen.add(contact.id);
      out.push(toSourceRecord(contact));
    }
  }
  return out;
}

/** HubSpot stores strings; "" clears a property. */
export function toHubspotValue(value: FieldValue): string {
  if (value === null) return "";
  return typeof value === "string" ? value : String(value);
}

function toProperties(fields: WriteOp["fields"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) out[name] = toHubspotValue(value);
  return out;
}

type Mode = "update" | "upsert" | "create";

interface Pending {
  index: number;
  op: WriteOp;
  mode: Mode;
  /** The id the API knows this input by: contact id, lower-cased email, or none. */
  key?: string;
}

/** Splits into calls of <= 100 inputs, never two inputs with the same id in one call. */
function planCalls(items: Pending[]): Pending[][] {
  const calls: Array<{ items: Pending[]; keys: Set<string> }> = [];
  for (const item of items) {
    let call = calls.find(
      (c) => c.items.length < BATCH_SIZE && (item.key === undefined || !c.keys.has(item.key)),
    );
    if (!call) {
      call = { items: [], keys: new Set() };
      calls.push(call);
    }
    call.items.push(item);
    if (item.key !== undefined) call.keys.add(item.key);
  }
  return calls.map((c) => c.items);
}

function traceIdsOf(error: HubspotBatchError): string[] {
  return error.context?.objectWriteTraceId ?? [];
}

async function runCall(api: HubspotApi, mode: Mode, items: Pending[], results: WriteResult[]) {
  const inputs = items.map((item) => {
    const properties = toProperties(item.op.fields);
    // objectWriteTraceId ties each result and each 207 error back to its input.
    const objectWriteTraceId = String(item.index);
    const id = mode === "update" ? item.op.externalId! : String(item.op.fields.email).trim();
    return { id, properties, objectWriteTraceId };
  });
  let response: HubspotBatchResponse;
  try {
    const raw: unknown = await api.call((sdk): Promise<unknown> => {
      const batch = sdk.crm.contacts.batchApi;
      if (mode === "update") return batch.update({ inputs });
      if (mode === "upsert") {
        return batch.upsert({ inputs: inputs.map((i) => ({ ...i, idProperty: "email" })) });
      }
      return batch.create({
        inputs: inputs.map(({ properties, objectWriteTraceId }) => ({
          properties,
          objectWriteTraceId,
          associations: [],
        })),
      });
    });
    response = HubspotBatchResponse.parse(raw);
  } catch (error) {
    const { code, message } = describeHubspotError(error);
    const retryable = classifyHubspotError(error).retry;
    for (const item of items) {
      results[item.index] = { ref: item.op.ref, ok: false, error: { code, message, retryable } };
    }
    return;
  }
  const byTrace = new Map(items.map((item) => [String(item.index), item]));
  const done = new Set<Pending>();
  const succeed = (item: Pending, contact: HubspotContact) => {
    done.add(item);
    const created =
      mode === "create" ? true : mode === "update" ? false : (contact.new ?? contact._new) === true;
    results[item.index] = { ref: item.op.ref, ok: true, externalId: contact.id, created };
  };
  const unmatched: HubspotContact[] = [];
  for (const contact of response.results) {
    const item = contact.objectWriteTraceId ? byTrace.get(contact.objectWriteTraceId) : undefined;
    if (item && !done.has(item)) succeed(item, contact);
    else unmatched.push(contact);
  }
  for (const error of response.errors ?? []) {
    const traced = traceIdsOf(error)
      .map((t) => byTrace.get(t))
      .filter((x): x is Pending => x !== undefined);
    const ids = new Set(error.context?.ids ?? []);
    const hit = traced.length > 0 ? traced : items.filter((i) => i.key && ids.has(i.key));
    const detail = error.errors?.[0];
    for (const item of hit) {
      if (done.has(item)) continue;
      done.add(item);
      results[item.index] = {
        ref: item.op.ref,
        ok: false,
        error: {
          code: detail?.code ?? error.category,
          message: error.message,
          retryable: false,
          ...(detail?.code === "PROPERTY_DOESNT_EXIST" || error.category === "VALIDATION_ERROR"
            ? { fields: errorFields(error) }
            : {}),
        },
      };
    }
  }
  // Fallback when the API did not echo objectWriteTraceId: match by id/email, then by order.
  for (const contact of unmatched) {
    const email = contact.properties.email?.toLowerCase();
    const item =
      items.find((i) => !done.has(i) && mode === "update" && i.key === contact.id) ??
      items.find((i) => !done.has(i) && mode === "upsert" && i.key === email) ??
      items.find((i) => !done.has(i) && mode === "create");
    if (item) succeed(item, contact);
  }
  for (const item of items) {
    if (done.has(item)) continue;
    results[item.index] = {
      ref: item.op.ref,
      ok: false,
      error: {
        code: "NO_RESULT",
        message: "HubSpot returned no result for this input",
        retryable: true,
      },
    };
  }
}

function errorFields(error: HubspotBatchError): string[] {
  const names = new Set<string>();
  for (const detail of error.errors ?? []) {
    const context = detail.context as { propertyName?: unknown } | undefined;
    if (Array.isArray(context?.propertyName))
      for (const n of context.propertyName) names.add(String(n));
  }
  return [...names];
}

/** Updates by id, upserts by email when the op has one (no duplicate contacts), else creates. */
export async function writeContacts(api: HubspotApi, ops: WriteOp[]): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array(ops.length);
  const groups: Record<Mode, Pending[]> = { update: [], upsert: [], create: [] };
  ops.forEach((op, index) => {
    if (op.object !== "contact") {
      results[index] = {
        ref: op.ref,
        ok: false,
        error: {
          code: "UNSUPPORTED_OBJECT",
          message: `HubSpot connector writes contacts only, not ${op.object}`,
          retryable: false,
        },
      };
      return;
    }
    const email = op.fields.email;
    if (op.externalId) groups.update.push({ index, op, mode: "update", key: op.externalId });
    else if (typeof email === "string" && email.trim() !== "") {
      groups.upsert.push({ index, op, mode: "upsert", key: email.trim().toLowerCase() });
    } else groups.create.push({ index, op, mode: "create" });
  });
  for (const mode of ["update", "upsert", "create"] as const) {
    for (const call of planCalls(groups[mode])) await runCall(api, mode, call, results);
  }
  return results;
}
