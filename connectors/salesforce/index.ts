/** The Salesforce connector: Lead and Contact over the REST API through jsforce. */
import type { Connector } from "../contract.ts";
import {
  createSalesforceClient,
  type SalesforceClient,
  type SalesforceCredentials,
} from "./client.ts";
import { fetchByIds, findByEmails, pullChanges, write } from "./contacts.ts";

export type SalesforceObject = "Lead" | "Contact";

/**
 * Either `{instanceUrl, accessToken}` (a fixed session; a 401 is final) or
 * `{auth: {kind: "client_credentials", loginUrl, clientId, clientSecret}}` (token fetched on
 * the first call, renewed once per call on 401 INVALID_SESSION_ID).
 */
export type SalesforceConnectorConfig = SalesforceCredentials & SalesforceConnectorOptions;

/** Everything but the credentials. */
export interface SalesforceConnectorOptions {
  /** API version (default "62.0"; sObject Collections need 42.0+). */
  version?: string;
  objects: SalesforceObject[];
  /** Fields to read per object, API names (Id and SystemModstamp are always read). */
  fields: Record<string, string[]>;
  rateLimit?: { requests: number; perMs: number; concurrency: number };
  /** Per-request timeout in ms (default 120,000). */
  requestTimeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
}

export interface SalesforceConnector extends Connector {
  readonly client: SalesforceClient;
}

export function createSalesforceConnector(config: SalesforceConnectorConfig): SalesforceConnector {
  const client = createSalesforceClient(config);
  const objects: readonly string[] = [...config.objects];
  const assertObject = (object: string) => {
    if (!objects.includes(object)) throw new Error(`Salesforce object ${object} is not configured`);
  };
  return {
    system: "salesforce",
    objects,
    client,
    pullChanges(object, cursor, options) {
      assertObject(object);
      return pullChanges(client, config, object, cursor, options);
    },
    fetchByIds(object, ids) {
      assertObject(object);
      return fetchByIds(client, config, object, ids);
    },
    findByEmails: (emails) => findByEmails(client, config, objects, emails),
    write: (ops) => write(client, objects, ops),
  };
}

export type { SalesforceAuth, SalesforceClientCredentials } from "./auth.ts";
export {
  classifySalesforceError,
  SalesforceApiError,
  SalesforceAuthError,
  type SalesforceCredentials,
} from "./client.ts";
export { outboundAck, parseOutboundMessage, sameOrgId, soapFault } from "./webhooks.ts";
