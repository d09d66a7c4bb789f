/**
 * The Salesforce connector: Lead and Contact over the REST API, plus consent (opt-out boxes,
 * ContactPointTypeConsent), engagement (Tasks, Events, campaign responses; Tasks written back)
 * and erasure. The connection is passed in (`connect`): `jsforceConnection` from
 * `./jsforce-connection.ts` on Node, `fetchConnection` from `./fetch-connection.ts` anywhere
 * fetch runs (Workers); this module never imports jsforce.
 */
import type {
  Connector,
  ConsentCapable,
  EngagementCapable,
  ErasureCapable,
  MergeCapable,
  RecordMergeCapable,
} from "../contract.ts";
import {
  createSalesforceClient,
  type SalesforceClient,
  type SalesforceClientConfig,
  type SalesforceCredentials,
} from "./client.ts";
import type { ConnectionFactory } from "./connection.ts";
import { purposeIdLoader, readConsent } from "./consent.ts";
import { DEFAULT_CONSENT_FIELDS, type SalesforceConsentOptions } from "./consent-map.ts";
import { writeConsent } from "./consent-write.ts";
import { fetchByIds, findByEmails, pullChanges, write } from "./contacts.ts";
import { pullEngagement, type SalesforceActivityOptions, writeActivities } from "./engagement.ts";
import { erase } from "./erasure.ts";
import { pullMerges } from "./merges.ts";
import { mergeRecords } from "./record-merge.ts";

export type SalesforceObject = "Lead" | "Contact";

/**
 * Either `{instanceUrl, accessToken}` (a fixed session; a 401 is final) or
 * `{auth: {kind: "client_credentials", loginUrl, clientId, clientSecret}}` (token fetched on
 * the first call, renewed once per call on 401 INVALID_SESSION_ID).
 */
export type SalesforceConnectorConfig = SalesforceCredentials & SalesforceConnectorOptions;

/** Everything but the credentials. */
export interface SalesforceConnectorOptions {
  /** The connection: `jsforceConnection` (Node) or `fetchConnection` (Node and Workers). */
  connect: ConnectionFactory;
  /** API version (default "62.0"; sObject Collections need 42.0+). */
  version?: string;
  objects: SalesforceObject[];
  /** Fields to read per object, API names (Id and SystemModstamp are always read). */
  fields: Record<string, string[]>;
  rateLimit?: { requests: number; perMs: number; concurrency: number };
  /** Per-request timeout in ms (default 120,000). */
  requestTimeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** Counts API calls and rate-limit answers (passed to the client). */
  metrics?: SalesforceClientConfig["metrics"];
  /**
   * Consent sources. `fields` default to HasOptedOutOfEmail -> email and DoNotCall -> phone
   * (channel-wide, purpose null); `individual.purposes` map hub purposes to DataUsePurpose
   * names (ContactPointTypeConsent; needs Data Protection and Privacy enabled in the org).
   */
  consent?: SalesforceConsentOptions;
  activities?: SalesforceActivityOptions;
}

export interface SalesforceConnector
  extends Connector,
    ConsentCapable,
    EngagementCapable,
    ErasureCapable,
    MergeCapable,
    RecordMergeCapable {
  readonly client: SalesforceClient;
  writeActivities: NonNullable<EngagementCapable["writeActivities"]>;
}

export function createSalesforceConnector(config: SalesforceConnectorConfig): SalesforceConnector {
  const client = createSalesforceClient(config);
  const objects: readonly string[] = [...config.objects];
  const assertObject = (object: string) => {
    if (!objects.includes(object)) throw new Error(`Salesforce object ${object} is not configured`);
  };
  const purposes = config.consent?.individual?.purposes ?? [];
  const consent = {
    client,
    fields: config.consent?.fields ?? DEFAULT_CONSENT_FIELDS,
    purposes,
    purposeIds: purposeIdLoader(client, purposes),
  };
  const activities = {
    taskSubject: config.activities?.taskSubject ?? "tsunagu",
    keyField: config.activities?.keyField ?? "Tsunagu_Key__c",
  };
  return {
    system: "salesforce",
    objects,
    client,
    readConsent: (refs) => readConsent(consent, refs),
    writeConsent: (ops) => writeConsent(consent, ops),
    pullEngagement: (cursor, options) =>
      pullEngagement(client, activities.keyField, cursor, options),
    writeActivities: (ops) => writeActivities(client, activities, ops),
    erase: (refs) => erase(client, purposes.length > 0, refs),
    pullMerges: (cursor) => pullMerges(client, config.objects, cursor),
    mergeRecords: (merges) => mergeRecords(client, objects, merges),
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
export type { ConnectionFactory, SalesforceConnection } from "./connection.ts";
export type {
  ConsentFieldMapping,
  ConsentPurposeMapping,
  SalesforceConsentOptions,
} from "./consent-map.ts";
export type { SalesforceActivityOptions } from "./engagement.ts";
export { outboundAck, parseOutboundMessage, sameOrgId, soapFault } from "./webhooks.ts";
