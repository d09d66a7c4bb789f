/**
 * The HubSpot connector: contacts over the CRM v3 API through the official SDK, plus consent
 * (communication preferences), engagement (meetings, logged emails) and erasure (GDPR delete).
 * Webhook verification and parsing live in ./webhooks.ts (re-exported here).
 */
import type {
  Connector,
  ConsentCapable,
  EngagementCapable,
  ErasureCapable,
  RecordMergeCapable,
} from "../contract.ts";
import { createHubspotApi, type HubspotClientConfig } from "./client.ts";
import { createConsentApi } from "./consent.ts";
import type { ConsentConfig } from "./consent-map.ts";
import { pullContacts, readContacts, writeContacts } from "./contacts.ts";
import { pullEngagement } from "./engagement.ts";
import { eraseContacts } from "./erasure.ts";
import { mergeContacts } from "./merge.ts";

export type { ConsentConfig, ConsentSubscription } from "./consent-map.ts";
export { parseHubspotWebhook, signHubspotV3, verifyHubspotSignature } from "./webhooks.ts";

export interface HubspotConnectorConfig extends HubspotClientConfig {
  /** Contact properties to read (lastmodifieddate and email are always added). */
  properties: string[];
  /** Which email subscription types carry which purpose; unlisted subscriptions are not read. */
  consent?: ConsentConfig;
}

export type HubspotConnector = Connector &
  ConsentCapable &
  EngagementCapable &
  ErasureCapable &
  RecordMergeCapable;

function assertContact(object: string): void {
  if (object !== "contact") throw new Error(`HubSpot connector has no object "${object}"`);
}

export function createHubspotConnector(config: HubspotConnectorConfig): HubspotConnector {
  const api = createHubspotApi(config);
  const consent = createConsentApi(api, config.consent);
  return {
    system: "hubspot",
    objects: ["contact"],
    pullChanges(object, cursor, options) {
      assertContact(object);
      return pullContacts(api, config.properties, cursor, options);
    },
    async fetchByIds(object, ids) {
      assertContact(object);
      return readContacts(api, config.properties, ids);
    },
    findByEmails: (emails) => readContacts(api, config.properties, emails, "email"),
    write: (ops) => writeContacts(api, ops),
    readConsent: (refs) => consent.readConsent(refs),
    writeConsent: (ops) => consent.writeConsent(ops),
    pullEngagement: (cursor, options) => pullEngagement(api, cursor, options),
    erase: (refs) => eraseContacts(api, refs),
    mergeRecords: (merges) => mergeContacts(api, merges),
  };
}
