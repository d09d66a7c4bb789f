/**
 * The HubSpot connector: contacts over the CRM v3 API through the official SDK.
 * Webhook verification and parsing live in ./webhooks.ts (re-exported here).
 */
import type { Connector } from "../contract.ts";
import { createHubspotApi, type HubspotClientConfig } from "./client.ts";
import { pullContacts, readContacts, writeContacts } from "./contacts.ts";

export { parseHubspotWebhook, signHubspotV3, verifyHubspotSignature } from "./webhooks.ts";

export interface HubspotConnectorConfig extends HubspotClientConfig {
  /** Contact properties to read (lastmodifieddate and email are always added). */
  properties: string[];
}

function assertContact(object: string): void {
  if (object !== "contact") throw new Error(`HubSpot connector has no object "${object}"`);
}

export function createHubspotConnector(config: HubspotConnectorConfig): Connector {
  const api = createHubspotApi(config);
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
  };
}
