/**
 * Erasure: GDPR delete per contact (`POST /crm/v3/objects/contacts/gdpr-delete`, 204). Unlike
 * archive, the contact cannot be restored. A 404 means it is already gone, which counts as
 * erased. One call per contact: the endpoint takes a single objectId.
 * Docs: https://developers.hubspot.com/docs/api/crm/contacts (GDPR delete)
 */
import type { RecordRef, WriteResult } from "../contract.ts";
import {
  classifyHubspotError,
  describeHubspotError,
  type HubspotApi,
  httpStatusOf,
} from "./client.ts";

export async function eraseContacts(api: HubspotApi, refs: RecordRef[]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (const ref of refs) {
    const id = ref.externalId || ref.email || "";
    if (ref.object !== "contact" || id === "") {
      results.push({
        ref: ref.externalId,
        ok: false,
        error: {
          code: ref.object !== "contact" ? "UNSUPPORTED_OBJECT" : "ID_REQUIRED",
          message: "HubSpot erases contacts by id or email",
          retryable: false,
        },
      });
      continue;
    }
    const input = ref.externalId
      ? { objectId: ref.externalId }
      : { objectId: id, idProperty: "email" };
    try {
      await api.call((sdk) => sdk.crm.contacts.basicApi.purge(input));
      results.push({ ref: ref.externalId, ok: true, externalId: ref.externalId });
    } catch (error) {
      if (httpStatusOf(error) === 404) {
        results.push({ ref: ref.externalId, ok: true, externalId: ref.externalId });
        continue;
      }
      const { code, message } = describeHubspotError(error);
      results.push({
        ref: ref.externalId,
        ok: false,
        error: { code, message, retryable: classifyHubspotError(error).retry },
      });
    }
  }
  return results;
}
