/**
 * Marketing engagement: marketing-email events (legacy `GET /email/public/v1/events`) and form
 * submissions (`GET /form-integrations/v1/submissions/forms/{formGuid}` for every form of
 * `GET /marketing/v3/forms/`). Neither is a CRM object: both are keyed by an email address,
 * which one contact batch read per page (`idProperty: email`) turns into a contact id.
 * Calls go through `hubspotRequest` inside `api.call` (limiter + the one retry layer).
 * Docs: https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide,
 * .../legacy/marketing/forms/v1/get-form-integrations-v1-submissions-forms-form_guid
 */
import type { EngagementEvent, EngagementPage, EngagementType, PullOptions } from "../contract.ts";
import {
  type HubspotEmailEvent,
  HubspotEmailEventsResponse,
  HubspotFormsResponse,
  HubspotSubmissionsResponse,
} from "./api-types.ts";
import type { HubspotApi } from "./client.ts";
import { readContacts } from "./contacts.ts";
import { HubspotHttpError, hubspotRequest } from "./http.ts";

/** The marketing-email event types read, one sweep each (the API filters by one eventType). */
export const EMAIL_EVENT_TYPES: ReadonlyArray<readonly [string, EngagementType]> = [
  ["DELIVERED", "email_delivered"],
  ["OPEN", "email_open"],
  ["CLICK", "email_click"],
  ["BOUNCE", "email_bounce"],
];
/** One contact batch read (100 inputs) covers a whole page. */
export const EMAIL_EVENTS_PAGE_MAX = 100;
export const SUBMISSIONS_PAGE_MAX = 50;
const FORMS_PAGE = 100;

/**
 * Email events: `start` is inclusive. A sweep reads the window [start, end] (end fixed when
 * the sweep starts) type by type; `sweep` is set while one is under way, with the offset of
 * the next page, so a resumed pull continues it. When the sweep ends, start moves to the
 * newest `created` seen (never past `end`; unchanged when nothing was seen).
 */
export interface EmailEventsCursor {
  start: number;
  sweep?: { end: number; type: number; offset?: string; maxSeen: number };
}

/** Forms: the newest submittedAt read per form guid (inclusive); unknown forms use `fallback`. */
export interface FormsCursor {
  seen: Map<string, number>;
  fallback: number;
}

/* Sections: "emailEvents=<start>[:<end>:<type>:<maxSeen>[:<offset>]]", "forms=<guid>:<ms>,...". */

export function encodeEmailEventsSection(cursor: EmailEventsCursor): string {
  const s = cursor.sweep;
  if (!s) return String(cursor.start);
  const parts = [cursor.start, s.end, s.type, s.maxSeen].map(String);
  if (s.offset !== undefined) parts.push(encodeURIComponent(s.offset));
  return parts.join(":");
}

export function decodeEmailEventsSection(value: string): EmailEventsCursor | null {
  const parts = value.split(":");
  const nums = parts.slice(0, 4);
  if (!nums.every((n) => /^\d+$/.test(n))) return null;
  const [start, end, type, maxSeen] = nums.map(Number) as [number, number, number, number];
  if (parts.length === 1) return { start };
  if (parts.length < 4 || parts.length > 5 || type >= EMAIL_EVENT_TYPES.length) return null;
  const offset = parts[4] === undefined ? undefined : decodeURIComponent(parts[4]);
  return { start, sweep: { end, type, maxSeen, ...(offset ? { offset } : {}) } };
}

export function encodeFormsSection(cursor: FormsCursor): string {
  return [...cursor.seen]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([guid, at]) => `${encodeURIComponent(guid)}:${at}`)
    .join(",");
}

export function decodeFormsSection(value: string): Map<string, number> | null {
  const seen = new Map<string, number>();
  if (value === "") return seen;
  for (const entry of value.split(",")) {
    const [guid, at, extra] = entry.split(":");
    if (!guid || extra !== undefined || !/^\d+$/.test(at ?? "")) return null;
    seen.set(decodeURIComponent(guid), Number(at));
  }
  return seen;
}

function normalEmail(value: string | undefined): string {
  return (value ?? "").trim().toLowerCase();
}

/** Lower-cased email -> contact id, one batch read by email (missing addresses are absent). */
async function contactsByEmail(api: HubspotApi, emails: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(emails.map(normalEmail).filter(Boolean))];
  const out = new Map<string, string>();
  if (unique.length === 0) return out;
  for (const record of await readContacts(api, ["email"], unique, "email")) {
    const email = record.fields.email;
    if (typeof email === "string" && email) out.set(normalEmail(email), record.externalId);
  }
  return out;
}

export function toEmailEngagementEvent(
  event: HubspotEmailEvent,
  contactId: string,
): EngagementEvent | null {
  const type = EMAIL_EVENT_TYPES.find(([name]) => name === event.type)?.[1];
  if (!type) return null;
  const detail: Record<string, string | number> = {
    hubspotEventId: event.id,
    hubspotEventType: event.type ?? "",
  };
  if (event.emailCampaignId !== undefined) detail.emailCampaignId = event.emailCampaignId;
  if (type === "email_click" && event.url) detail.url = event.url;
  if (type === "email_bounce" && event.category) detail.bounceCategory = event.category;
  const title =
    event.subject ??
    (event.emailCampaignId === undefined ? undefined : `Email campaign ${event.emailCampaignId}`);
  return {
    key: `hubspot:email_event:${event.id}`,
    system: "hubspot",
    type,
    person: { object: "contact", externalId: contactId },
    occurredAt: event.created,
    ...(title ? { title } : {}),
    detail,
  };
}

interface EmailEventsPage {
  hasMore: boolean;
  offset?: string;
  events: HubspotEmailEvent[];
}

/**
 * Email events of one window, DELIVERED then OPEN, CLICK, BOUNCE. Pages by the API's
 * `offset` and stops only on `hasMore: false` (a filtered page can be short or empty).
 * Mutates `state.email` before each yield; `encode` renders the whole engagement cursor.
 */
export async function* pullEmailEvents(
  api: HubspotApi,
  state: { email: EmailEventsCursor },
  options: PullOptions,
  encode: () => string,
): AsyncGenerator<EngagementPage> {
  const limit = Math.min(
    Math.max(options.pageSize ?? EMAIL_EVENTS_PAGE_MAX, 1),
    EMAIL_EVENTS_PAGE_MAX,
  );
  const start = state.email.start;
  const sweep = state.email.sweep ?? {
    end: options.until ?? Date.now(),
    type: 0,
    maxSeen: start,
  };
  if (sweep.end < start) return;
  let maxSeen = sweep.maxSeen;
  for (let t = sweep.type; t < EMAIL_EVENT_TYPES.length; t++) {
    const [eventType] = EMAIL_EVENT_TYPES[t]!;
    let offset = t === sweep.type ? sweep.offset : undefined;
    let resumed = offset !== undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const qs: Record<string, string> = {
        startTimestamp: String(start),
        endTimestamp: String(sweep.end),
        eventType,
        limit: String(limit),
        ...(offset ? { offset } : {}),
      };
      let raw: unknown;
      try {
        raw = await api.call((sdk) =>
          hubspotRequest(sdk, { method: "GET", path: "/email/public/v1/events", qs }),
        );
      } catch (error) {
        // An offset kept in a cursor may have expired: redo this type's sweep (re-reads only).
        if (resumed && error instanceof HubspotHttpError && error.code === 400) {
          offset = undefined;
          resumed = false;
          continue;
        }
        throw error;
      }
      resumed = false;
      const page: EmailEventsPage = HubspotEmailEventsResponse.parse(raw);
      if (page.hasMore && (!page.offset || page.offset === offset)) {
        throw new Error("HubSpot email events: hasMore without a new offset");
      }
      for (const event of page.events) {
        if (event.created <= sweep.end) maxSeen = Math.max(maxSeen, event.created);
      }
      if (page.hasMore) {
        state.email = { start, sweep: { end: sweep.end, type: t, maxSeen, offset: page.offset } };
      } else if (t + 1 < EMAIL_EVENT_TYPES.length) {
        state.email = { start, sweep: { end: sweep.end, type: t + 1, maxSeen } };
      } else {
        state.email = { start: Math.min(maxSeen, sweep.end) };
      }
      const contacts = await contactsByEmail(
        api,
        page.events.map((e) => e.recipient ?? ""),
      );
      const events: EngagementEvent[] = [];
      for (const event of page.events) {
        const contactId = contacts.get(normalEmail(event.recipient));
        if (contactId === undefined) continue;
        const mapped = toEmailEngagementEvent(event, contactId);
        if (mapped) events.push(mapped);
      }
      yield { events, cursor: encode() };
      if (!page.hasMore) break;
      offset = page.offset;
    }
  }
}

export async function listForms(
  api: HubspotApi,
  signal?: AbortSignal,
): Promise<Array<{ id: string; name?: string }>> {
  const forms: Array<{ id: string; name?: string }> = [];
  let after: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const qs: Record<string, string> = { limit: String(FORMS_PAGE), ...(after ? { after } : {}) };
    const raw = await api.call((sdk) =>
      hubspotRequest(sdk, { method: "GET", path: "/marketing/v3/forms/", qs }),
    );
    const page = HubspotFormsResponse.parse(raw);
    for (const form of page.results) forms.push({ id: form.id, name: form.name });
    after = page.paging?.next?.after;
    if (!after) break;
  }
  return forms.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Submissions of every form, newest first per form (the API has no time filter), until a
 * page reaches submissions older than the form's cursor or the list ends. The form's cursor
 * moves only when its sweep ends, so an interrupted sweep is redone (re-reads, no skips).
 */
export async function* pullFormSubmissions(
  api: HubspotApi,
  state: { forms: FormsCursor },
  options: PullOptions,
  encode: () => string,
): AsyncGenerator<EngagementPage> {
  const limit = Math.min(
    Math.max(options.pageSize ?? SUBMISSIONS_PAGE_MAX, 1),
    SUBMISSIONS_PAGE_MAX,
  );
  const forms = await listForms(api, options.signal);
  // Forms no longer listed (archived, deleted) leave the cursor.
  const listed = new Set(forms.map((f) => f.id));
  for (const guid of [...state.forms.seen.keys()]) {
    if (!listed.has(guid)) state.forms.seen.delete(guid);
  }
  for (const form of forms) {
    const since = state.forms.seen.get(form.id) ?? state.forms.fallback;
    state.forms.seen.set(form.id, since);
    let newest = since;
    let after: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const qs: Record<string, string> = { limit: String(limit), ...(after ? { after } : {}) };
      const raw = await api.call((sdk) =>
        hubspotRequest(sdk, {
          method: "GET",
          path: `/form-integrations/v1/submissions/forms/${encodeURIComponent(form.id)}`,
          qs,
        }),
      );
      const page = HubspotSubmissionsResponse.parse(raw);
      const fresh = page.results.filter(
        (s) =>
          s.submittedAt >= since && (options.until === undefined || s.submittedAt <= options.until),
      );
      for (const s of fresh) newest = Math.max(newest, s.submittedAt);
      after = page.paging?.next?.after;
      const done = !after || page.results.some((s) => s.submittedAt < since);
      if (done) state.forms.seen.set(form.id, newest);
      const emailOf = (values: Array<{ name: string; value: string }>) =>
        values.find((v) => v.name.toLowerCase() === "email")?.value;
      const contacts = await contactsByEmail(
        api,
        fresh.map((s) => emailOf(s.values) ?? ""),
      );
      const events: EngagementEvent[] = [];
      for (const s of fresh) {
        const contactId = contacts.get(normalEmail(emailOf(s.values)));
        if (contactId === undefined) continue;
        const detail: Record<string, string> = {
          formGuid: form.id,
          conversionId: s.conversionId,
        };
        if (s.pageUrl) detail.pageUrl = s.pageUrl;
        events.push({
          key: `hubspot:form:${form.id}:${s.conversionId}`,
          system: "hubspot",
          type: "form_submit",
          person: { object: "contact", externalId: contactId },
          occurredAt: s.submittedAt,
          ...(form.name ? { title: form.name } : {}),
          detail,
        });
      }
      if (events.length > 0 || (done && newest !== since)) yield { events, cursor: encode() };
      if (done) break;
    }
  }
}
