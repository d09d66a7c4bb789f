/**
 * Merges contacts: `POST /crm/v3/objects/contacts/merge` `{primaryObjectId, objectIdToMerge}`
 * answers 200 with the merged contact, one pair per call. The merged contact gets a new id
 * (HubSpot changelog "Updated merge functionality for contacts and companies"; both old ids
 * still resolve to it), so several records are folded in one after the other, each into the
 * survivor of the previous call. A merge cannot be undone, nor is it idempotent: after a
 * failed call the two ids are read back, and if they are one contact the merge was made.
 * Docs: https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts-merge
 */
import type { RecordMerge, RecordMergeResult } from "../contract.ts";
import { classifyHubspotError, describeHubspotError, type HubspotApi } from "./client.ts";

export async function mergeContacts(
  api: HubspotApi,
  merges: RecordMerge[],
): Promise<RecordMergeResult[]> {
  const results: RecordMergeResult[] = [];
  for (const merge of merges) {
    if (merge.object !== "contact") {
      results.push(refused(merge, "UNSUPPORTED_OBJECT", "HubSpot merges contacts only"));
      continue;
    }
    let survivor = merge.primaryId;
    try {
      for (const id of merge.mergedIds) {
        const from = survivor;
        survivor = await api
          .call((sdk) =>
            sdk.crm.contacts.basicApi.merge({ primaryObjectId: from, objectIdToMerge: id }),
          )
          .then(
            (merged) => merged.id,
            async (error: unknown) =>
              (from !== id && (await oneContact(api, from, id))) || Promise.reject(error),
          );
      }
      results.push({ ref: merge.ref, ok: true, externalId: survivor });
    } catch (error) {
      const { code, message } = describeHubspotError(error);
      results.push({
        ref: merge.ref,
        ok: false,
        // A chain stopped half-way has a survivor already: the next attempt starts from it.
        ...(survivor !== merge.primaryId ? { externalId: survivor } : {}),
        error: { code, message, retryable: classifyHubspotError(error).retry },
      });
    }
  }
  return results;
}

/**
 * The contact both ids resolve to, if they are one already: a merge whose answer was lost
 * and was then repeated (and refused as a merge with itself) was made.
 */
async function oneContact(api: HubspotApi, a: string, b: string): Promise<string | undefined> {
  try {
    const [x, y] = await Promise.all(
      [a, b].map((id) => api.call((sdk) => sdk.crm.contacts.basicApi.getById(id))),
    );
    return x && y && x.id === y.id ? x.id : undefined;
  } catch {
    return undefined;
  }
}

function refused(merge: RecordMerge, code: string, message: string): RecordMergeResult {
  return { ref: merge.ref, ok: false, error: { code, message, retryable: false } };
}
