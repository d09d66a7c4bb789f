/**
 * Merge Leads: `POST /rest/v1/leads/{winnerId}/merge.json?leadIds=<losers>&mergeInCRM=false`
 * (swagger-mapi.json mergeLeadsUsingPOST). The winner keeps its id; its blank fields are
 * filled from the losers in the order given (Adobe KB ka-28666); the losers are gone. The
 * answer has no result, only success or a request-level error. `mergeInCRM` stays false:
 * the hub merges Salesforce records itself. Merges cannot be undone.
 * A merge is not idempotent (a repeat answers 1004 for the losers already gone), so after a
 * failed call the leads are read back: a winner present and every loser gone is a merge done
 * (a loser that no longer exists has nothing left to fold in).
 */
import type { RecordMerge, RecordMergeResult, WriteError } from "../contract.ts";
import { errorCode, errorMessage, isRetryableLater, type MarketoClient } from "./client.ts";
import { LEAD_OBJECT, readLeads } from "./leads.ts";

/** Losing leads per call: the docs show three and state no limit (*unconfirmed*). */
const LOSERS_PER_CALL = 3;

export async function mergeLeads(
  client: MarketoClient,
  merges: RecordMerge[],
): Promise<RecordMergeResult[]> {
  const results: RecordMergeResult[] = [];
  for (const merge of merges) {
    const error = refusal(merge) ?? (await mergeOne(client, merge));
    results.push(
      error
        ? { ref: merge.ref, ok: false, error }
        : { ref: merge.ref, ok: true, externalId: merge.primaryId },
    );
  }
  return results;
}

function refusal(merge: RecordMerge): WriteError | undefined {
  if (merge.object !== LEAD_OBJECT)
    return { code: "UNSUPPORTED_OBJECT", message: "Marketo merges leads only", retryable: false };
  if (![merge.primaryId, ...merge.mergedIds].every((id) => /^\d+$/.test(id)))
    return { code: "1003", message: "Lead ids are integers", retryable: false };
  return undefined;
}

async function mergeOne(
  client: MarketoClient,
  merge: RecordMerge,
): Promise<WriteError | undefined> {
  for (let i = 0; i < merge.mergedIds.length; i += LOSERS_PER_CALL) {
    const losers = merge.mergedIds.slice(i, i + LOSERS_PER_CALL);
    try {
      await client.post(`/rest/v1/leads/${merge.primaryId}/merge.json`, undefined, {
        leadIds: losers.join(","),
        mergeInCRM: false,
      });
    } catch (error) {
      if (await alreadyMerged(client, merge.primaryId, losers)) continue;
      return {
        code: errorCode(error),
        message: errorMessage(error),
        retryable: isRetryableLater(error),
      };
    }
  }
  return undefined;
}

async function alreadyMerged(client: MarketoClient, winner: string, losers: string[]) {
  try {
    const found = new Set(
      (await readLeads(client, "id", [winner, ...losers], ["id"])).map((l) => String(l.id)),
    );
    return found.has(winner) && losers.every((id) => !found.has(id));
  } catch {
    return false;
  }
}
