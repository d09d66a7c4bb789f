/**
 * Consent through communication preferences. Reads use the v4 batch endpoints (statuses and
 * unsubscribe-all, 100 emails a call) and fall back to v3 per email when the portal lacks the
 * batch scopes (403; they need Marketing Hub Enterprise). Writes use v4 batch write, the only
 * API that can set SUBSCRIBED again after an opt-out, and v4 unsubscribe-all for
 * `purpose: null` opt-outs.
 * Docs: https://developers.hubspot.com/docs/api-reference/communication-preferences-subscriptions-v4
 */
import type {
  ConsentRecord,
  ConsentStatement,
  ConsentWrite,
  RecordRef,
  WriteResult,
} from "../contract.ts";
import {
  HubspotV3StatusesResponse,
  HubspotV4StatusesResponse,
  HubspotV4WideResponse,
} from "./api-types.ts";
import { type HubspotApi, httpStatusOf } from "./client.ts";
import {
  type ConsentConfig,
  purposeMap,
  statementsFromV3,
  statementsFromV4,
} from "./consent-map.ts";
import { writeConsent } from "./consent-write.ts";
import { readContacts } from "./contacts.ts";
import { hubspotRequest } from "./http.ts";

export const V4 = "/communication-preferences/v4/statuses";
export const EMAIL_CHANNEL = { channel: "EMAIL" };
export const BATCH = 100;

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Statuses are keyed by email; refs without one get it from the contact (one batch read). */
export async function emailsOf(
  api: HubspotApi,
  refs: RecordRef[],
): Promise<Array<string | undefined>> {
  const missing = refs.filter((r) => !r.email && r.externalId).map((r) => r.externalId);
  const byId = new Map<string, string>();
  if (missing.length > 0) {
    for (const record of await readContacts(api, ["email"], missing)) {
      const email = record.fields.email;
      if (typeof email === "string" && email) byId.set(record.externalId, email);
    }
  }
  return refs.map((r) => (r.email ? r.email.trim() : byId.get(r.externalId)));
}

export interface ConsentApi {
  readConsent(refs: RecordRef[]): Promise<ConsentRecord[]>;
  writeConsent(ops: ConsentWrite[]): Promise<WriteResult[]>;
}

export function createConsentApi(api: HubspotApi, config: ConsentConfig | undefined): ConsentApi {
  const purposes = purposeMap(config);
  /** Switched off for good once the portal answers 403 to a v4 batch read. */
  let v4Available = true;

  async function readV4(emails: string[]): Promise<Map<string, ConsentStatement[]>> {
    const out = new Map<string, ConsentStatement[]>();
    for (const part of chunk(emails, BATCH)) {
      const body = { inputs: part };
      const statuses = HubspotV4StatusesResponse.parse(
        await api.call((sdk) =>
          hubspotRequest(sdk, {
            method: "POST",
            path: `${V4}/batch/read`,
            qs: EMAIL_CHANNEL,
            body,
          }),
        ),
      );
      const wide = HubspotV4WideResponse.parse(
        await api.call((sdk) =>
          hubspotRequest(sdk, {
            method: "POST",
            path: `${V4}/batch/unsubscribe-all/read`,
            qs: EMAIL_CHANNEL,
            body,
          }),
        ),
      );
      const wideOf = new Map(wide.results.map((r) => [r.subscriberIdString.toLowerCase(), r]));
      const now = Date.now();
      for (const result of statuses.results) {
        const email = result.subscriberIdString.toLowerCase();
        const wideStatuses = wideOf.get(email)?.wideStatuses ?? [];
        out.set(email, statementsFromV4(result.statuses, wideStatuses, purposes, now));
      }
    }
    return out;
  }

  async function readV3(emails: string[]): Promise<Map<string, ConsentStatement[]>> {
    const out = new Map<string, ConsentStatement[]>();
    for (const email of emails) {
      const response = HubspotV3StatusesResponse.parse(
        await api.call((sdk) => sdk.communicationPreferences.statusApi.getEmailStatus(email)),
      );
      out.set(
        email.toLowerCase(),
        statementsFromV3(response.subscriptionStatuses, purposes, Date.now()),
      );
    }
    return out;
  }

  return {
    async readConsent(refs) {
      const emails = await emailsOf(api, refs);
      const unique = [...new Set(emails.filter((e): e is string => !!e))];
      let byEmail = new Map<string, ConsentStatement[]>();
      if (unique.length > 0) {
        if (v4Available) {
          try {
            byEmail = await readV4(unique);
          } catch (error) {
            if (httpStatusOf(error) !== 403) throw error;
            v4Available = false;
          }
        }
        if (!v4Available) byEmail = await readV3(unique);
      }
      return refs.map((ref, i) => {
        const email = emails[i];
        return {
          object: ref.object,
          externalId: ref.externalId,
          ...(email ? { email } : {}),
          statements: email ? (byEmail.get(email.toLowerCase()) ?? []) : [],
        };
      });
    },
    writeConsent: (ops) => writeConsent(api, purposes, ops),
  };
}
