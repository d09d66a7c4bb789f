/**
 * Leads: read by id or email (Get Leads by Filter Type, 300 values a call) and write
 * (Sync Leads, 300 records a call). Creates are `createOrUpdate` on email, so a retried or
 * repeated create updates the lead instead of duplicating it; updates are `updateOnly` on id,
 * so an update never creates a lead. Results are per record, in input order.
 */
import type { FieldValue, SourceFields, SourceRecord, WriteOp, WriteResult } from "../contract.ts";
import { MarketoLead, MarketoSyncResult } from "./api-types.ts";
import { errorCode, errorMessage, isRetryableLater, type MarketoClient } from "./client.ts";

export const MAX_BATCH = 300;
export const LEAD_OBJECT = "lead";

/** Read when the configuration names no fields. */
export const DEFAULT_LEAD_FIELDS = [
  "email",
  "firstName",
  "lastName",
  "company",
  "title",
  "phone",
  "mobilePhone",
  "city",
  "state",
  "country",
  "postalCode",
  "leadSource",
  "unsubscribed",
  "unsubscribedReason",
  "emailInvalid",
  "marketingSuspended",
  "createdAt",
  "updatedAt",
];

/** id, email and updatedAt always, then the configured fields, each once. */
export function fieldList(fields: readonly string[], extra: readonly string[] = []): string[] {
  return [...new Set(["id", "email", "updatedAt", ...extra, ...fields])];
}

export function parseMarketoDatetime(value: unknown): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function toSourceRecord(lead: MarketoLead): SourceRecord {
  const fields: SourceFields = {};
  for (const [key, value] of Object.entries(lead)) {
    fields[key] =
      value === null ||
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
        ? (value as FieldValue)
        : value === undefined
          ? null
          : JSON.stringify(value);
  }
  return {
    system: "marketo",
    object: LEAD_OBJECT,
    externalId: String(lead.id),
    modifiedAt: parseMarketoDatetime(lead.updatedAt),
    fields,
  };
}

export const byModifiedThenId = (a: SourceRecord, b: SourceRecord) =>
  a.modifiedAt - b.modifiedAt || Number(a.externalId) - Number(b.externalId);

/**
 * GET /rest/v1/leads.json?filterType=&filterValues=&fields= in chunks of 300 values,
 * following nextPageToken (one email can match several leads, so a chunk can exceed a page).
 * Values containing commas cannot be expressed in filterValues and are skipped.
 */
export async function readLeads(
  client: MarketoClient,
  filterType: "id" | "email",
  values: string[],
  fields: string[],
): Promise<MarketoLead[]> {
  const unique = [...new Set(values.filter((v) => v !== "" && !v.includes(",")))];
  const out: MarketoLead[] = [];
  for (let i = 0; i < unique.length; i += MAX_BATCH) {
    const chunk = unique.slice(i, i + MAX_BATCH);
    let nextPageToken: string | undefined;
    do {
      const page = await client.get("/rest/v1/leads.json", {
        filterType,
        filterValues: chunk.join(","),
        fields: fields.join(","),
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      out.push(...(page.result ?? []).map((r) => MarketoLead.parse(r)));
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
  }
  return out;
}

/** Lead ids are integers; anything else cannot exist and is dropped. */
export const leadIds = (ids: string[]) => ids.filter((id) => /^\d+$/.test(id));

export async function fetchByIds(
  client: MarketoClient,
  fields: string[],
  ids: string[],
): Promise<SourceRecord[]> {
  const leads = await readLeads(client, "id", leadIds(ids), fieldList(fields));
  return leads.map(toSourceRecord);
}

/** filterType=email matches case-insensitively; duplicates in Marketo all come back. */
export async function findByEmails(
  client: MarketoClient,
  fields: string[],
  emails: string[],
): Promise<SourceRecord[]> {
  const unique = emails.map((e) => e.trim().toLowerCase()).filter(Boolean);
  const leads = await readLeads(client, "email", unique, fieldList(fields));
  return leads.map(toSourceRecord).sort(byModifiedThenId);
}

const failed = (op: WriteOp, code: string, message: string, retryable: boolean): WriteResult => ({
  ref: op.ref,
  ok: false,
  ...(op.externalId ? { externalId: op.externalId } : {}),
  error: { code, message, retryable },
});

/** POST /rest/v1/leads.json; `records` are already shaped for the action. */
export async function syncChunk(
  client: MarketoClient,
  action: "createOrUpdate" | "updateOnly",
  ops: WriteOp[],
  records: Record<string, unknown>[],
): Promise<WriteResult[]> {
  try {
    const answer = await client.post("/rest/v1/leads.json", {
      action,
      lookupField: action === "updateOnly" ? "id" : "email",
      input: records,
    });
    const results = (answer.result ?? []).map((r) => MarketoSyncResult.parse(r));
    return ops.map((op, i): WriteResult => {
      const r = results[i];
      if (!r)
        return failed(op, "MISSING_RESULT", "Marketo returned no result for this record", false);
      if ((r.status === "created" || r.status === "updated") && r.id !== undefined)
        return { ref: op.ref, ok: true, externalId: String(r.id), created: r.status === "created" };
      const reasons = r.reasons ?? (r.reason ? [r.reason] : []);
      return failed(
        op,
        reasons[0]?.code ?? r.status.toUpperCase(),
        reasons.map((x) => x.message).join("; ") || `Marketo answered status ${r.status}`,
        false,
      );
    });
  } catch (error) {
    return ops.map((op) =>
      failed(op, errorCode(error), errorMessage(error), isRetryableLater(error)),
    );
  }
}

export async function write(client: MarketoClient, ops: WriteOp[]): Promise<WriteResult[]> {
  const results = new Map<WriteOp, WriteResult>();
  const creates: WriteOp[] = [];
  const updates: WriteOp[] = [];
  for (const op of ops) {
    if (op.object !== LEAD_OBJECT)
      results.set(
        op,
        failed(op, "UNSUPPORTED_OBJECT", `Object ${op.object} is not a Marketo lead`, false),
      );
    else if (op.externalId !== undefined && !/^\d+$/.test(op.externalId))
      results.set(op, failed(op, "1004", "Lead not found (Marketo lead ids are integers)", false));
    else if (op.externalId !== undefined) updates.push(op);
    else if (typeof op.fields.email !== "string" || op.fields.email.trim() === "")
      results.set(
        op,
        failed(op, "MISSING_EMAIL", "A new Marketo lead needs an email (the upsert key)", false),
      );
    else creates.push(op);
  }
  const strip = (fields: SourceFields) => {
    const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = fields;
    return rest;
  };
  const run = async (
    action: "createOrUpdate" | "updateOnly",
    group: WriteOp[],
    shape: (op: WriteOp) => Record<string, unknown>,
  ) => {
    for (let i = 0; i < group.length; i += MAX_BATCH) {
      const chunk = group.slice(i, i + MAX_BATCH);
      const chunkResults = await syncChunk(client, action, chunk, chunk.map(shape));
      chunk.forEach((op, j) => {
        results.set(op, chunkResults[j]!);
      });
    }
  };
  await run("createOrUpdate", creates, (op) => strip(op.fields));
  await run("updateOnly", updates, (op) => ({ ...strip(op.fields), id: Number(op.externalId) }));
  return ops.map((op) => results.get(op)!);
}
