/**
 * Lead database endpoints: Get Leads by Filter Type (also as `POST ...?_method=GET` with a
 * form body, Marketo's way around the 8 KB URL limit), Get Lead by Id, Sync Leads, Delete
 * Leads and Describe Lead.
 */
import type { Context, Hono } from "hono";
import { ApiError, type Env, fail, ok } from "./envelope.ts";
import type { SandboxState } from "./state.ts";
import { presentLead, type Reason, type StoredLead } from "./store.ts";

export const MAX_BATCH = 300;
const DEFAULT_FIELDS = ["email", "updatedAt", "createdAt", "lastName", "firstName"];
const FILTER_TYPES = new Set(["id", "email"]);
const SYNC_ACTIONS = new Set(["createOnly", "updateOnly", "createOrUpdate", "createDuplicate"]);

const list = (value: string | null | undefined) =>
  (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

function requestedFields(state: SandboxState, raw: string | null | undefined): string[] {
  const fields = raw ? list(raw) : DEFAULT_FIELDS;
  for (const name of fields)
    if (!state.store.fields.get(name)) throw new ApiError("1006", `Field '${name}' not found`);
  return fields;
}

function searchable(state: SandboxState, filterType: string): boolean {
  if (FILTER_TYPES.has(filterType)) return true;
  const f = state.store.fields.get(filterType);
  return f !== undefined && f.id >= 1000 && ["string", "email", "integer"].includes(f.dataType);
}

function getLeads(c: Context<Env>, state: SandboxState, params: URLSearchParams): Response {
  const filterType = params.get("filterType") ?? "";
  const values = list(params.get("filterValues"));
  if (!filterType) throw new ApiError("1003", "filterType cannot be blank");
  if (!searchable(state, filterType))
    throw new ApiError("1003", `Invalid filterType '${filterType}'`);
  if (values.length === 0) throw new ApiError("1003", "filterValues cannot be blank");
  if (values.length > MAX_BATCH)
    throw new ApiError("1003", `Number of filterValues exceeds the limit of ${MAX_BATCH}`);
  const fields = requestedFields(state, params.get("fields"));
  const batchSize = Math.min(MAX_BATCH, Number(params.get("batchSize") ?? MAX_BATCH) || MAX_BATCH);
  const offset = params.get("nextPageToken") ? decodeOffset(params.get("nextPageToken")!) : 0;
  let matches: StoredLead[];
  if (filterType === "id") {
    const ids = new Set(values.map(Number));
    matches = [...ids].flatMap((id) => state.store.get(id) ?? []);
  } else if (filterType === "email") {
    matches = state.store.withEmails(values.map((v) => v.toLowerCase()));
  } else {
    const wanted = new Set(values);
    matches = state.store.all().filter((l) => wanted.has(String(l.values[filterType] ?? "")));
  }
  matches.sort((a, b) => a.id - b.id);
  const page = matches.slice(offset, offset + batchSize);
  const more = offset + batchSize < matches.length;
  return ok(c, {
    result: page.map((l) => presentLead(l, fields)),
    ...(more ? { nextPageToken: encodeOffset(offset + batchSize) } : {}),
  });
}

const encodeOffset = (offset: number) => Buffer.from(`leads:${offset}`).toString("base64url");

function decodeOffset(token: string): number {
  const m = /^leads:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) throw new ApiError("1003", "Invalid nextPageToken");
  return Number(m[1]);
}

type SyncResult =
  | { id: number; status: "created" | "updated" }
  | { status: "skipped"; reasons: Reason[] };

function syncOne(
  state: SandboxState,
  action: string,
  lookupField: string,
  input: unknown,
): SyncResult {
  const skipped = (code: string, message: string): SyncResult => ({
    status: "skipped",
    reasons: [{ code, message }],
  });
  if (!input || typeof input !== "object" || Array.isArray(input))
    return skipped("1003", "Invalid lead record");
  const record = input as Record<string, unknown>;
  const checked = state.store.validate(record, lookupField);
  if (!checked.ok) return { status: "skipped", reasons: [checked.reason] };
  const clean = checked.values;
  const create = (): SyncResult => ({
    id: state.store.create(clean, "api").id,
    status: "created",
  });
  if (action === "createDuplicate") return create();
  const key = record[lookupField];
  if (key === undefined || key === null || key === "")
    return skipped("1003", `Value for lookup field '${lookupField}' not specified`);
  const matches =
    lookupField === "id"
      ? [state.store.get(Number(key))].filter((l): l is StoredLead => l !== undefined)
      : lookupField === "email"
        ? state.store.findByEmail(String(key))
        : state.store.all().filter((l) => String(l.values[lookupField] ?? "") === String(key));
  if (matches.length > 1) return skipped("1007", "Multiple lead match lookup criteria");
  const existing = matches[0];
  if (!existing) {
    if (action === "updateOnly" || lookupField === "id") return skipped("1004", "Lead not found");
    return create();
  }
  if (action === "createOnly") return skipped("1005", "Lead already exists");
  state.store.update(existing.id, clean, "api");
  return { id: existing.id, status: "updated" };
}

async function syncLeads(c: Context<Env>, state: SandboxState): Promise<Response> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return fail(c, "609");
  }
  const action = (body.action as string | undefined) ?? "createOrUpdate";
  const lookupField = (body.lookupField as string | undefined) ?? "email";
  if (!SYNC_ACTIONS.has(action)) throw new ApiError("1003", `Invalid action '${action}'`);
  if (!searchable(state, lookupField))
    throw new ApiError("1003", `Invalid lookupField '${lookupField}'`);
  if (!Array.isArray(body.input) || body.input.length === 0)
    throw new ApiError("1003", "input cannot be blank");
  if (body.input.length > MAX_BATCH)
    throw new ApiError("1003", `Batch size exceeds the limit of ${MAX_BATCH}`);
  const result = body.input.map((input) => syncOne(state, action, lookupField, input));
  return ok(c, { result });
}

type DeleteResult =
  | { id: number; status: "deleted" }
  | { id?: number; status: "skipped"; reasons: Reason[] };

function deleteOne(state: SandboxState, item: unknown): DeleteResult {
  const id =
    item && typeof item === "object" && !Array.isArray(item)
      ? (item as { id?: unknown }).id
      : undefined;
  if (typeof id !== "number" || !Number.isInteger(id) || id <= 0)
    return { status: "skipped", reasons: [{ code: "1003", message: "Invalid lead id" }] };
  if (!state.store.delete(id))
    return { id, status: "skipped", reasons: [{ code: "1004", message: "Lead not found" }] };
  return { id, status: "deleted" };
}

/**
 * Delete Leads: `{input: [{id}, ...]}`, or `?id=1,2,3` when the body is empty (swagger),
 * at most 300 ids. One result per input record, in input order; the call succeeds even
 * when every record was skipped.
 */
async function deleteLeads(c: Context<Env>, state: SandboxState): Promise<Response> {
  const text = await c.req.text();
  let input: unknown[];
  if (text.trim() === "") {
    const ids = (c.req.queries("id") ?? []).flatMap((v) => list(v));
    input = ids.map((id) => ({ id: /^\d+$/.test(id) ? Number(id) : id }));
  } else {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(c, "609");
    }
    const raw = body && typeof body === "object" ? (body as { input?: unknown }).input : undefined;
    input = Array.isArray(raw) ? raw : [];
  }
  if (input.length === 0) throw new ApiError("1003", "input cannot be blank");
  if (input.length > MAX_BATCH)
    throw new ApiError("1003", `Batch size exceeds the limit of ${MAX_BATCH}`);
  return ok(c, { result: input.map((item) => deleteOne(state, item)) });
}

/**
 * Merge Leads: `POST /rest/v1/leads/{id}/merge.json?leadId=` or `?leadIds=` (comma-separated
 * or repeated), `mergeInCRM` accepted and ignored (no CRM sync here). Success has no result.
 * Errors (all request-level, *unconfirmed* codes): 1004 for a winner or loser that does not
 * exist, 1003 for no losers, a lead merged with itself or a non-numeric id.
 */
function mergeLeadsRoute(c: Context<Env>, state: SandboxState, file: string): Response {
  const m = /^(\d+)$/.exec(file);
  if (!m) return fail(c, "610");
  const winner = Number(m[1]);
  const raw = [...(c.req.queries("leadIds") ?? []), ...(c.req.queries("leadId") ?? [])].flatMap(
    (v) => list(v),
  );
  if (raw.length === 0) throw new ApiError("1003", "leadIds cannot be blank");
  if (!raw.every((id) => /^\d+$/.test(id))) throw new ApiError("1003", "Invalid lead id");
  const losers = [...new Set(raw.map(Number))];
  if (losers.includes(winner)) throw new ApiError("1003", "Cannot merge a lead with itself");
  for (const id of [winner, ...losers])
    if (!state.store.get(id)) throw new ApiError("1004", `Lead [${id}] not found`);
  state.store.merge(winner, losers, "api");
  return ok(c);
}

export function registerLeadRoutes(app: Hono<Env>, state: SandboxState): void {
  app.post("/rest/v1/leads/:id/merge.json", (c) => mergeLeadsRoute(c, state, c.req.param("id")));
  app.post("/rest/v1/leads/delete.json", (c) => deleteLeads(c, state));
  app.get("/rest/v1/leads.json", (c) => getLeads(c, state, new URL(c.req.url).searchParams));
  app.post("/rest/v1/leads.json", async (c) => {
    if (c.req.query("_method") === "GET") {
      const params = new URLSearchParams(await c.req.text());
      for (const [k, v] of new URL(c.req.url).searchParams) if (k !== "_method") params.set(k, v);
      return getLeads(c, state, params);
    }
    return syncLeads(c, state);
  });
  app.get("/rest/v1/lead/:file", (c) => {
    const m = /^(\d+)\.json$/.exec(c.req.param("file"));
    if (!m) return fail(c, "610");
    const fields = requestedFields(state, c.req.query("fields"));
    const lead = state.store.get(Number(m[1]));
    return ok(c, { result: lead ? [presentLead(lead, fields)] : [] });
  });
  app.get("/rest/v1/leads/describe.json", (c) => ok(c, { result: state.store.fields.describe() }));
}
