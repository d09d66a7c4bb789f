import type { ChangeNotice } from "../contract.ts";
import type { SalesforceClient } from "./client.ts";
import { soqlDatetime } from "./contacts.ts";
import { queryPages } from "./records.ts";

/**
 * Leads or Contacts merged in Salesforce. A merge deletes the losing records (to the recycle
 * bin, for 15 days) with MasterRecordId naming the survivor; deletes fire no Outbound
 * Message and `query` no longer sees them, so they are read with `queryAll`. Each becomes a
 * `merge` notice on the survivor, which the hub follows like HubSpot's contact.merge.
 */
export async function pullMerges(
  client: SalesforceClient,
  objects: readonly string[],
  cursor: string | null,
): Promise<{ notices: ChangeNotice[]; cursor: string }> {
  const since = cursor ? Number(cursor) : 0;
  let latest = since;
  const notices: ChangeNotice[] = [];
  for (const object of objects) {
    const soql = `SELECT Id, MasterRecordId, SystemModstamp FROM ${object} WHERE IsDeleted = true AND MasterRecordId != null AND SystemModstamp >= ${soqlDatetime(since)} ORDER BY SystemModstamp ASC, Id ASC`;
    for await (const page of queryPages(client, soql, { scanAll: true })) {
      for (const record of page.records) {
        const merged = String(record.Id);
        const master = String(record.MasterRecordId);
        const at = Date.parse(String(record.SystemModstamp));
        latest = Math.max(latest, at);
        notices.push({
          system: "salesforce",
          object,
          externalId: master,
          kind: "merge",
          eventKey: `salesforce:merge:${merged}`,
          occurredAt: at,
          detail: { mergedObjectIds: [master, merged] },
        });
      }
    }
  }
  // The cursor repeats its own instant (>=): notices are idempotent by event key.
  return { notices, cursor: String(latest) };
}
