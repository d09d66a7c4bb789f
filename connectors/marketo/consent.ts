/**
 * ConsentCapable for Marketo: opt-out fields on the lead (`unsubscribed` by default). Reads
 * are Get Leads by id; writes read the current values first and send only changes
 * (`updateOnly` by id), so a repeated write costs one read and logs no activity.
 */
import type { ConsentRecord, ConsentWrite, RecordRef, WriteResult } from "../contract.ts";
import { errorCode, errorMessage, isRetryableLater, type MarketoClient } from "./client.ts";
import {
  consentFieldsToRead,
  leadStatements,
  type MarketoConsentOptions,
  planConsentFields,
} from "./consent-map.ts";
import { fieldList, LEAD_OBJECT, leadIds, MAX_BATCH, readLeads, syncChunk } from "./leads.ts";

export interface ConsentContext {
  client: MarketoClient;
  options: Required<MarketoConsentOptions>;
}

async function currentLeads(ctx: ConsentContext, refs: RecordRef[]) {
  const ids = leadIds(refs.filter((r) => r.object === LEAD_OBJECT).map((r) => r.externalId));
  const leads = await readLeads(ctx.client, "id", ids, fieldList(consentFieldsToRead(ctx.options)));
  return new Map(leads.map((l) => [String(l.id), l as Record<string, unknown>]));
}

export async function readConsent(
  ctx: ConsentContext,
  refs: RecordRef[],
): Promise<ConsentRecord[]> {
  const leads = await currentLeads(ctx, refs);
  return refs.flatMap((ref) => {
    const lead = ref.object === LEAD_OBJECT ? leads.get(ref.externalId) : undefined;
    if (!lead) return [];
    return [
      {
        object: ref.object,
        externalId: ref.externalId,
        ...(ref.email ? { email: ref.email } : {}),
        statements: leadStatements(lead, ctx.options),
      },
    ];
  });
}

export async function writeConsent(
  ctx: ConsentContext,
  ops: ConsentWrite[],
): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const fail = (i: number, code: string, message: string, retryable = false) =>
    results.set(i, {
      ref: ops[i]!.ref,
      ok: false,
      externalId: ops[i]!.externalId,
      error: { code, message, retryable },
    });
  let leads: Map<string, Record<string, unknown>>;
  try {
    leads = await currentLeads(ctx, ops);
  } catch (error) {
    ops.forEach((_, i) => {
      fail(i, errorCode(error), errorMessage(error), isRetryableLater(error));
    });
    return ops.map((_, i) => results.get(i)!);
  }
  const pending: Array<{ index: number; changes: Record<string, boolean> }> = [];
  for (const [i, op] of ops.entries()) {
    const lead = op.object === LEAD_OBJECT ? leads.get(op.externalId) : undefined;
    if (op.object !== LEAD_OBJECT) {
      fail(i, "UNSUPPORTED_OBJECT", `Object ${op.object} is not a Marketo lead`);
      continue;
    }
    if (!lead) {
      fail(i, "1004", "Lead not found");
      continue;
    }
    const plan = planConsentFields(op.statements, ctx.options.fields);
    const changes = Object.fromEntries(
      Object.entries(plan).filter(([f, v]) => (lead[f] === true) !== v),
    );
    if (Object.keys(changes).length === 0)
      results.set(i, { ref: op.ref, ok: true, externalId: op.externalId, created: false });
    else pending.push({ index: i, changes });
  }
  for (let start = 0; start < pending.length; start += MAX_BATCH) {
    const chunk = pending.slice(start, start + MAX_BATCH);
    const chunkOps = chunk.map((p) => ({
      ref: ops[p.index]!.ref,
      object: LEAD_OBJECT,
      externalId: ops[p.index]!.externalId,
      fields: p.changes,
    }));
    const saved = await syncChunk(
      ctx.client,
      "updateOnly",
      chunkOps,
      chunk.map((p) => ({ id: Number(ops[p.index]!.externalId), ...p.changes })),
    );
    chunk.forEach((p, j) => {
      const r = saved[j]!;
      results.set(p.index, r.ok ? { ...r, created: false } : r);
    });
  }
  return ops.map((_, i) => results.get(i)!);
}
