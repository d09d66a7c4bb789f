/**
 * Engagement: meetings and one-to-one emails logged on contacts' timelines (plus marketing
 * email events and form submissions, see engagement-marketing.ts), the CRM ones read
 * incrementally like contacts (search keyset-paged on hs_lastmodifieddate, never by offset),
 * then joined to their contacts with one v4 association batch read per page.
 * Docs: https://developers.hubspot.com/docs/api/crm/search, .../crm/meetings, .../crm/email,
 * https://developers.hubspot.com/docs/api/crm/associations (v4 batch read)
 */

import type { EngagementEvent, EngagementPage, EngagementType, PullOptions } from "../contract.ts";
import {
  HubspotAssociationBatchResponse,
  type HubspotContact,
  HubspotSearchResponse,
} from "./api-types.ts";
import type { HubspotApi } from "./client.ts";
import { SEARCH_PAGE_MAX } from "./contacts.ts";
import {
  decodeEmailEventsSection,
  decodeFormsSection,
  type EmailEventsCursor,
  encodeEmailEventsSection,
  encodeFormsSection,
  type FormsCursor,
  pullEmailEvents,
  pullFormSubmissions,
} from "./engagement-marketing.ts";
import { type Filter, sweepSearch } from "./search-sweep.ts";

export const ENGAGEMENT_OBJECTS = ["meetings", "emails"] as const;
export type EngagementObject = (typeof ENGAGEMENT_OBJECTS)[number];

const PROPERTIES: Record<EngagementObject, string[]> = {
  meetings: [
    "hs_timestamp",
    "hs_lastmodifieddate",
    "hs_meeting_title",
    "hs_meeting_outcome",
    "hs_meeting_start_time",
    "hs_meeting_end_time",
  ],
  emails: [
    "hs_timestamp",
    "hs_lastmodifieddate",
    "hs_email_subject",
    "hs_email_direction",
    "hs_email_status",
  ],
};

const KEY_NAME: Record<EngagementObject, string> = { meetings: "meeting", emails: "email" };

/**
 * Which engagement type a record is, or null when it is not something the person did with us.
 * Logged emails: BOUNCED -> email_bounce; a sent outgoing email -> email_delivered. Incoming
 * emails (replies) have no matching EngagementType and are skipped (see BEHAVIOR.md).
 */
export function engagementTypeOf(
  object: EngagementObject,
  properties: Record<string, string | null>,
): EngagementType | null {
  if (object === "meetings") return "meeting";
  const direction = properties.hs_email_direction ?? "EMAIL";
  const status = properties.hs_email_status ?? "SENT";
  if (direction === "INCOMING_EMAIL") return null;
  if (status === "BOUNCED") return "email_bounce";
  if (status === "SENT") return "email_delivered";
  return null;
}

function timeOf(value: string | null | undefined): number {
  if (!value) return 0;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/** One event per associated contact; the key holds both ids, so re-reads give the same keys. */
export function toEngagementEvents(
  object: EngagementObject,
  record: HubspotContact,
  contactIds: string[],
): EngagementEvent[] {
  const type = engagementTypeOf(object, record.properties);
  if (type === null) return [];
  const p = record.properties;
  const title = object === "meetings" ? p.hs_meeting_title : p.hs_email_subject;
  const detail: Record<string, string> = { hubspotObject: object, hubspotId: record.id };
  for (const name of PROPERTIES[object]) {
    const value = p[name];
    if (value !== null && value !== undefined && name !== "hs_lastmodifieddate")
      detail[name] = value;
  }
  return contactIds.map((contactId) => ({
    key: `hubspot:${KEY_NAME[object]}:${record.id}:${contactId}`,
    system: "hubspot",
    type,
    person: { object: "contact", externalId: contactId },
    occurredAt: timeOf(p.hs_timestamp) || timeOf(p.hs_lastmodifieddate),
    ...(title ? { title } : {}),
    detail,
  }));
}

/*
 * Cursor: one hs_lastmodifieddate per CRM object type, then the marketing sections
 * (engagement-marketing.ts), e.g.
 * "hubspot:eng:v1:meetings=1;emails=0;emailEvents=5;forms=<guid>:7". Cursors written before
 * the marketing sections existed still decode (those sections then start at 0).
 */
const CURSOR_PREFIX = "hubspot:eng:v1:";
type Cursor = Record<EngagementObject, number>;
const MARKETING_SECTIONS = ["emailEvents", "forms"] as const;

export interface MarketingCursor {
  email: EmailEventsCursor;
  forms: FormsCursor;
}

export function encodeEngagementCursor(cursor: Cursor, marketing?: MarketingCursor): string {
  const parts = ENGAGEMENT_OBJECTS.map((o) => `${o}=${cursor[o]}`);
  if (marketing) {
    parts.push(`emailEvents=${encodeEmailEventsSection(marketing.email)}`);
    parts.push(`forms=${encodeFormsSection(marketing.forms)}`);
  }
  return CURSOR_PREFIX + parts.join(";");
}

function sectionsOf(raw: string): Map<string, string> {
  const invalid = () => new Error(`Invalid HubSpot engagement cursor: ${raw}`);
  if (!raw.startsWith(CURSOR_PREFIX)) throw invalid();
  const sections = new Map<string, string>();
  for (const part of raw.slice(CURSOR_PREFIX.length).split(";")) {
    const at = part.indexOf("=");
    const name = at < 0 ? "" : part.slice(0, at);
    const known =
      (ENGAGEMENT_OBJECTS as readonly string[]).includes(name) ||
      (MARKETING_SECTIONS as readonly string[]).includes(name);
    if (!known || sections.has(name)) throw invalid();
    sections.set(name, part.slice(at + 1));
  }
  return sections;
}

export function decodeEngagementCursor(raw: string | null, since = 0): Cursor {
  const cursor: Cursor = { meetings: since, emails: since };
  if (raw === null) return cursor;
  for (const [name, value] of sectionsOf(raw)) {
    if (!(ENGAGEMENT_OBJECTS as readonly string[]).includes(name)) continue;
    if (!/^\d+$/.test(value)) throw new Error(`Invalid HubSpot engagement cursor: ${raw}`);
    cursor[name as EngagementObject] = Number(value);
  }
  return cursor;
}

/** The marketing sections; absent ones start at `since` for a null cursor, else at 0. */
export function decodeMarketingCursor(raw: string | null, since = 0): MarketingCursor {
  if (raw === null) return { email: { start: since }, forms: { seen: new Map(), fallback: since } };
  const sections = sectionsOf(raw);
  const invalid = () => new Error(`Invalid HubSpot engagement cursor: ${raw}`);
  const emailRaw = sections.get("emailEvents");
  const formsRaw = sections.get("forms");
  const email = emailRaw === undefined ? { start: 0 } : decodeEmailEventsSection(emailRaw);
  const seen = formsRaw === undefined ? new Map<string, number>() : decodeFormsSection(formsRaw);
  if (!email || !seen) throw invalid();
  return { email, forms: { seen, fallback: 0 } };
}

async function associationsOf(
  api: HubspotApi,
  object: EngagementObject,
  ids: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  // 207 lists engagements without contacts under errors; they simply have no events.
  const raw = await api.call((sdk) =>
    sdk.crm.associations.v4.batchApi.getPage(object, "contacts", {
      inputs: ids.map((id) => ({ id })),
    }),
  );
  for (const result of HubspotAssociationBatchResponse.parse(raw).results) {
    out.set(result.from.id, [...new Set(result.to.map((t) => t.toObjectId))]);
  }
  return out;
}

/**
 * Pages of engagement events, meetings first, then emails, each oldest first. Same paging as
 * pullContacts: each page is a fresh `hs_lastmodifieddate >= last seen` query (ties re-read,
 * never skipped); a full page of one timestamp is swept by hs_object_id before moving on.
 * Then marketing-email events and form submissions (engagement-marketing.ts). Every page's
 * cursor covers all sections, so a pull resumes from any page.
 */
export async function* pullEngagement(
  api: HubspotApi,
  rawCursor: string | null,
  options: PullOptions = {},
): AsyncGenerator<EngagementPage> {
  const limit = Math.min(Math.max(options.pageSize ?? SEARCH_PAGE_MAX, 1), SEARCH_PAGE_MAX);
  const since0 = rawCursor === null ? (options.since ?? 0) : 0;
  const cursor = decodeEngagementCursor(rawCursor, since0);
  const marketing = decodeMarketingCursor(rawCursor, since0);
  const encode = () => encodeEngagementCursor(cursor, marketing);
  let lastYielded: string | null = null;
  const until: Filter[] =
    options.until === undefined
      ? []
      : [{ propertyName: "hs_lastmodifieddate", operator: "LTE", value: String(options.until) }];

  for (const object of ENGAGEMENT_OBJECTS) {
    const search = async (filters: Filter[], sortBy: string) => {
      options.signal?.throwIfAborted();
      const response = await api.call(
        (sdk) =>
          sdk.crm.objects[object].searchApi.doSearch({
            filterGroups: [{ filters: [...filters, ...until] as never }],
            sorts: [{ propertyName: sortBy, direction: "ASCENDING" }] as never,
            properties: PROPERTIES[object],
            limit,
            after: "0",
          }),
        { search: true },
      );
      return HubspotSearchResponse.parse(response).results;
    };
    const page = async (records: HubspotContact[], at: number): Promise<EngagementPage> => {
      const contacts = await associationsOf(
        api,
        object,
        records.map((r) => r.id),
      );
      cursor[object] = at;
      const events = records.flatMap((r) =>
        toEngagementEvents(object, r, contacts.get(r.id) ?? []),
      );
      return { events, cursor: encode() };
    };
    for await (const { items, at } of sweepSearch({
      search,
      timeProperty: "hs_lastmodifieddate",
      timeOf: (r: HubspotContact) => timeOf(r.properties.hs_lastmodifieddate),
      idOf: (r) => r.id,
      since: cursor[object],
      limit,
    })) {
      yield await page(items, at);
      lastYielded = encode();
    }
  }

  for (const pages of [
    pullEmailEvents(api, marketing, options, encode),
    pullFormSubmissions(api, marketing, options, encode),
  ]) {
    for await (const page of pages) {
      yield page;
      lastYielded = page.cursor;
    }
  }
  // Sections that moved without a page to carry them (e.g. a sweep that found nothing).
  const final = encode();
  if (final !== lastYielded) yield { events: [], cursor: final };
}
