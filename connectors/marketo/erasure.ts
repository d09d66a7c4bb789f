/**
 * ErasureCapable for Marketo: Delete Leads (`POST /rest/v1/leads/delete.json` with
 * `{input: [{id}, ...]}`, 300 ids a call). Marketo answers per id, in input order:
 * `deleted`, or `skipped` with reasons; 1004 (lead not found) means it is already gone,
 * which counts as erased, so repeating an erase is harmless. The lead's activity history
 * goes with it and cannot be restored.
 * Docs: Marketo REST API, Lead Database > Leads > Delete; swagger-mapi.json deleteLeadsUsingPOST.
 */
import type { RecordRef, WriteError, WriteResult } from "../contract.ts";
import { MarketoSyncResult } from "./api-types.ts";
import { errorCode, errorMessage, isRetryableLater, type MarketoClient } from "./client.ts";
import { LEAD_OBJECT, MAX_BATCH } from "./leads.ts";

/** Skip reason meaning "no such lead": already erased. */
const NOT_FOUND = "1004";

type Outcome = { ok: true } | { ok: false; error: WriteError };

/** One Delete Leads call; an outcome per id (a whole-call failure gives every id the same one). */
async function deleteChunk(client: MarketoClient, ids: number[]): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  try {
    const answer = await client.post("/rest/v1/leads/delete.json", {
      input: ids.map((id) => ({ id })),
    });
    const results = (answer.result ?? []).map((r) => MarketoSyncResult.parse(r));
    // Results come in input order; where a result names its id, the id decides.
    results.forEach((r, i) => {
      const id = r.id ?? ids[i];
      if (id === undefined || outcomes.has(id)) return;
      const reasons = r.reasons ?? (r.reason ? [r.reason] : []);
      if (r.status === "deleted" || reasons.some((x) => x.code === NOT_FOUND))
        outcomes.set(id, { ok: true });
      else
        outcomes.set(id, {
          ok: false,
          error: {
            code: reasons[0]?.code ?? r.status.toUpperCase(),
            message:
              reasons.map((x) => x.message).join("; ") || `Marketo answered status ${r.status}`,
            retryable: false,
          },
        });
    });
    for (const id of ids)
      if (!outcomes.has(id))
        outcomes.set(id, {
          ok: false,
          // Deleting is idempotent: asking again is safe and may get an answer.
          error: {
            code: "MISSING_RESULT",
            message: "Marketo returned no result for this lead",
            retryable: true,
          },
        });
  } catch (error) {
    const failed: Outcome = {
      ok: false,
      error: {
        code: errorCode(error),
        message: errorMessage(error),
        retryable: isRetryableLater(error),
      },
    };
    for (const id of ids) outcomes.set(id, failed);
  }
  return outcomes;
}

/** Deletes the leads for good; one result per ref in input order (ref = externalId). */
export async function eraseLeads(client: MarketoClient, refs: RecordRef[]): Promise<WriteResult[]> {
  const results: (WriteResult | undefined)[] = refs.map((r) => {
    if (r.object !== LEAD_OBJECT)
      return {
        ref: r.externalId,
        ok: false,
        error: {
          code: "UNSUPPORTED_OBJECT",
          message: `Object ${r.object} is not a Marketo lead`,
          retryable: false,
        },
      };
    if (!r.externalId)
      return {
        ref: r.externalId,
        ok: false,
        error: { code: "ID_REQUIRED", message: "Marketo erases leads by id", retryable: false },
      };
    // Lead ids are integers: anything else cannot exist, so there is nothing to delete.
    if (!/^\d+$/.test(r.externalId))
      return { ref: r.externalId, ok: true, externalId: r.externalId };
    return undefined;
  });
  const ids = [...new Set(refs.flatMap((r, i) => (results[i] ? [] : [Number(r.externalId)])))];
  const outcomes = new Map<number, Outcome>();
  for (let i = 0; i < ids.length; i += MAX_BATCH)
    for (const [id, outcome] of await deleteChunk(client, ids.slice(i, i + MAX_BATCH)))
      outcomes.set(id, outcome);
  return refs.map((r, i) => {
    const done = results[i];
    if (done) return done;
    const outcome = outcomes.get(Number(r.externalId))!;
    return outcome.ok
      ? { ref: r.externalId, ok: true, externalId: r.externalId }
      : { ref: r.externalId, ok: false, externalId: r.externalId, error: outcome.error };
  });
}
