/**
 * The Marketo connector: leads over the REST API (OAuth client credentials), consent from
 * the lead's opt-out fields, engagement from the activity log, erasure by Delete Leads.
 * One object, "lead".
 */
import type {
  Connector,
  ConsentCapable,
  EngagementCapable,
  ErasureCapable,
  RecordMergeCapable,
} from "../contract.ts";
import { pullChanges } from "./changes.ts";
import { createMarketoClient, type MarketoClient, type MarketoClientConfig } from "./client.ts";
import { readConsent, writeConsent } from "./consent.ts";
import { DEFAULT_CONSENT_FIELDS, type MarketoConsentOptions } from "./consent-map.ts";
import { type MarketoEngagementOptions, pullEngagement } from "./engagement.ts";
import { eraseLeads } from "./erasure.ts";
import { DEFAULT_LEAD_FIELDS, fetchByIds, findByEmails, LEAD_OBJECT, write } from "./leads.ts";
import { mergeLeads } from "./merge.ts";

export interface MarketoConnectorConfig extends MarketoClientConfig {
  /** Lead fields to read, REST names (id, email and updatedAt are always read). */
  fields?: string[];
  consent?: MarketoConsentOptions;
  engagement?: MarketoEngagementOptions;
  /**
   * A first read (null cursor, no `since`) scans lead ids until this many ids past the
   * highest lead found are empty (default 10,000). Raise it for instances with larger holes
   * (mass deletions); each 300 ids cost one call.
   */
  fullScan?: { maxIdGap?: number };
}

export interface MarketoConnector
  extends Connector,
    ConsentCapable,
    EngagementCapable,
    ErasureCapable,
    RecordMergeCapable {
  readonly client: MarketoClient;
}

export function createMarketoConnector(config: MarketoConnectorConfig): MarketoConnector {
  for (const key of ["baseUrl", "clientId", "clientSecret"] as const)
    if (typeof config[key] !== "string" || config[key].trim() === "")
      throw new Error(`Marketo config: ${key} is required`);
  const client = createMarketoClient(config);
  const fields = config.fields ?? DEFAULT_LEAD_FIELDS;
  const consent = {
    client,
    options: {
      fields: config.consent?.fields ?? DEFAULT_CONSENT_FIELDS,
      marketingSuspendedAsOptOut: config.consent?.marketingSuspendedAsOptOut ?? false,
    },
  };
  const assertLead = (object: string) => {
    if (object !== LEAD_OBJECT) throw new Error(`Marketo object ${object} is not supported`);
  };
  return {
    system: "marketo",
    objects: [LEAD_OBJECT],
    client,
    pullChanges(object, cursor, options) {
      assertLead(object);
      return pullChanges(
        client,
        { fields, maxIdGap: config.fullScan?.maxIdGap ?? 10_000 },
        cursor,
        options,
      );
    },
    fetchByIds(object, ids) {
      assertLead(object);
      return fetchByIds(client, fields, ids);
    },
    findByEmails: (emails) => findByEmails(client, fields, emails),
    write: (ops) => write(client, ops),
    readConsent: (refs) => readConsent(consent, refs),
    writeConsent: (ops) => writeConsent(consent, ops),
    pullEngagement: (cursor, options) =>
      pullEngagement(client, config.engagement ?? {}, cursor, options),
    erase: (refs) => eraseLeads(client, refs),
    mergeRecords: (merges) => mergeLeads(client, merges),
  };
}

export { classifyMarketoError, DEFAULT_RATE_LIMIT, type MarketoClientConfig } from "./client.ts";
export type { ConsentFieldMapping, MarketoConsentOptions } from "./consent-map.ts";
export { ENGAGEMENT_ACTIVITY_TYPES, type MarketoEngagementOptions } from "./engagement.ts";
export { MarketoApiError, MarketoAuthError, MarketoQuotaError } from "./errors.ts";
export { DEFAULT_LEAD_FIELDS } from "./leads.ts";
export { nextCentralMidnight } from "./quota.ts";
export {
  MARKETO_WEBHOOK_SECRET_HEADER,
  MarketoWebhookError,
  parseMarketoWebhook,
} from "./webhooks.ts";
