/**
 * Merges Leads with Leads and Contacts with Contacts through the SOAP API's `merge()` (the
 * REST API has none): up to three records per request, the master and two more, so longer
 * lists become several requests into the same master (as the docs advise), up to 200
 * requests a call. The master keeps its id; the others are deleted to the recycle bin with
 * MasterRecordId set, which is how `pullMerges` reads them back. There is no unmerge.
 * Docs: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm
 */
import type { RecordMerge, RecordMergeResult, WriteError } from "../contract.ts";
import { errorCode, isRetryableLater, type SalesforceClient } from "./client.ts";
import type { SalesforceMergeRequest, SalesforceMergeResult } from "./connection.ts";
import { failure } from "./records.ts";

/** Records merged into the master per request (three in all). */
const PER_REQUEST = 2;
const REQUESTS_PER_CALL = 200;
/** Per-request errors that can pass on a later try (row locks held by other transactions). */
const TRANSIENT = new Set(["UNABLE_TO_LOCK_ROW"]);

export async function mergeRecords(
  client: SalesforceClient,
  objects: readonly string[],
  merges: RecordMerge[],
): Promise<RecordMergeResult[]> {
  const requests: Array<SalesforceMergeRequest & { merge: number }> = [];
  const refused = new Map<number, WriteError>();
  merges.forEach((merge, i) => {
    if (!objects.includes(merge.object) || !["Lead", "Contact"].includes(merge.object)) {
      refused.set(i, failure("UNSUPPORTED_OBJECT", `Cannot merge ${merge.object} records`));
      return;
    }
    for (let j = 0; j < merge.mergedIds.length; j += PER_REQUEST)
      requests.push({
        merge: i,
        type: merge.object,
        masterId: merge.primaryId,
        mergeIds: merge.mergedIds.slice(j, j + PER_REQUEST),
      });
  });
  for (let start = 0; start < requests.length; start += REQUESTS_PER_CALL) {
    const part = requests.slice(start, start + REQUESTS_PER_CALL);
    let answers: SalesforceMergeResult[];
    try {
      // Not idempotent: a merge repeated after it went through finds its records deleted.
      answers = await client.call(
        (conn) => conn.merge(part.map(({ merge: _, ...request }) => request)),
        { idempotent: false },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failed = failure(errorCode(error), message, isRetryableLater(error));
      for (const request of part)
        if (!refused.has(request.merge)) refused.set(request.merge, failed);
      continue;
    }
    part.forEach((request, j) => {
      const answer = answers[j];
      if (answer?.success || refused.has(request.merge)) return;
      const first = answer?.errors[0];
      refused.set(
        request.merge,
        failure(
          first?.statusCode ?? "MERGE_FAILED",
          first?.message ?? "no result for this merge",
          TRANSIENT.has(first?.statusCode ?? ""),
        ),
      );
    });
  }
  return merges.map((merge, i) => {
    const error = refused.get(i);
    return error
      ? { ref: merge.ref, ok: false, error }
      : { ref: merge.ref, ok: true, externalId: merge.primaryId };
  });
}
