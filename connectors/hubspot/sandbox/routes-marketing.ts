/**
 * Marketing endpoints: the legacy email events API (`GET /email/public/v1/events`), the
 * forms list (`GET /marketing/v3/forms/`) and form submissions
 * (`GET /form-integrations/v1/submissions/forms/{formGuid}`).
 *
 * Email events are scanned newest first, `limit` stored events at a time within the
 * [startTimestamp, endTimestamp] window, and only then filtered by eventType / campaignId /
 * recipient: a filtered page can be short or even empty while `hasMore` is true. Only
 * `hasMore: false` ends the listing. `offset` is an opaque token.
 */
import type { Context, Hono } from "hono";
import { HttpError, type SandboxState } from "./app.ts";
import { notFound, validation } from "./errors.ts";
import {
  EMAIL_EVENT_TYPES,
  type EmailEventType,
  type StoredEmailEvent,
  type StoredForm,
} from "./marketing-store.ts";

export const EMAIL_EVENTS_DEFAULT_LIMIT = 100;
export const EMAIL_EVENTS_MAX_LIMIT = 1000;
export const SUBMISSIONS_MAX_LIMIT = 50;
export const FORMS_MAX_LIMIT = 500;

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decodeToken(raw: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      typeof value[0] === "number" &&
      typeof value[1] === "string" &&
      value.length === 2
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new HttpError(400, validation(`Invalid offset: ${raw}`));
}

function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, validation(`${name} must be an integer between ${min} and ${max}`));
  }
  return value;
}

function timestampParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, validation(`${name} must be epoch ms`));
  return Number(raw);
}

/** Strictly after the token's position in newest-first order. */
function isAfter(event: { at: number; id: string }, token: [number, string]): boolean {
  return event.at < token[0] || (event.at === token[0] && event.id < token[1]);
}

export function toEmailEventJson(event: StoredEmailEvent, portalId: number): unknown {
  return {
    appName: "Batch",
    ...event.extra,
    id: event.id,
    created: event.created,
    type: event.type,
    recipient: event.recipient,
    emailCampaignId: event.emailCampaignId,
    portalId,
    appId: 113,
    sentBy: { id: `sent-${event.emailCampaignId}`, created: event.created },
  };
}

function toFormJson(form: StoredForm): unknown {
  return {
    id: form.id,
    name: form.name,
    formType: "hubspot",
    createdAt: new Date(form.createdAt).toISOString(),
    updatedAt: new Date(form.updatedAt).toISOString(),
    archived: false,
  };
}

export function registerMarketingRoutes(app: Hono, state: SandboxState): void {
  const marketing = state.marketing;

  app.get("/email/public/v1/events", (c) => {
    const start = timestampParam(c, "startTimestamp");
    const end = timestampParam(c, "endTimestamp");
    const limit = intParam(c, "limit", EMAIL_EVENTS_DEFAULT_LIMIT, 1, EMAIL_EVENTS_MAX_LIMIT);
    const eventType = c.req.query("eventType");
    if (eventType !== undefined && !EMAIL_EVENT_TYPES.includes(eventType as EmailEventType)) {
      throw new HttpError(400, validation(`Unknown eventType: ${eventType}`));
    }
    const campaignId = c.req.query("campaignId");
    const recipient = c.req.query("recipient")?.toLowerCase();
    const offset = c.req.query("offset");
    const token = offset ? decodeToken(offset) : undefined;
    const inWindow = marketing
      .emailEvents()
      .filter(
        (e) =>
          (start === undefined || e.created >= start) && (end === undefined || e.created <= end),
      );
    const remaining = token
      ? inWindow.filter((e) => isAfter({ at: e.created, id: e.id }, token))
      : inWindow;
    const scanned = remaining.slice(0, limit);
    const events = scanned.filter(
      (e) =>
        (eventType === undefined || e.type === eventType) &&
        (campaignId === undefined || String(e.emailCampaignId) === campaignId) &&
        (recipient === undefined || e.recipient.toLowerCase() === recipient),
    );
    const last = scanned[scanned.length - 1];
    return c.json(
      {
        hasMore: remaining.length > scanned.length,
        offset: last ? encodeToken([last.created, last.id]) : (offset ?? ""),
        events: events.map((e) => toEmailEventJson(e, state.portalId)),
      },
      200,
    );
  });

  const listForms = (c: Context) => {
    const limit = intParam(c, "limit", 20, 1, FORMS_MAX_LIMIT);
    const afterRaw = c.req.query("after");
    const after = afterRaw ? Number(afterRaw) : 0;
    if (!Number.isInteger(after) || after < 0) {
      throw new HttpError(400, validation(`Invalid after: ${afterRaw}`));
    }
    const forms = marketing.allForms().sort((a, b) => a.createdAt - b.createdAt);
    const page = forms.slice(after, after + limit);
    const body: Record<string, unknown> = { results: page.map(toFormJson) };
    if (after + limit < forms.length) {
      const next = String(after + limit);
      body.paging = {
        next: { after: next, link: `/marketing/v3/forms/?after=${next}&limit=${limit}` },
      };
    }
    return c.json(body, 200);
  };
  app.get("/marketing/v3/forms", listForms);
  app.get("/marketing/v3/forms/", listForms);

  app.get("/form-integrations/v1/submissions/forms/:formGuid", (c) => {
    const formGuid = c.req.param("formGuid");
    const all = marketing.submissionsOf(formGuid);
    if (!all) throw new HttpError(404, notFound());
    const limit = intParam(c, "limit", 20, 1, SUBMISSIONS_MAX_LIMIT);
    const afterRaw = c.req.query("after");
    const token = afterRaw ? decodeToken(afterRaw) : undefined;
    const remaining = token
      ? all.filter((s) => isAfter({ at: s.submittedAt, id: s.conversionId }, token))
      : all;
    const page = remaining.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((s) => ({
        conversionId: s.conversionId,
        submittedAt: s.submittedAt,
        values: s.values,
        ...(s.pageUrl ? { pageUrl: s.pageUrl } : {}),
      })),
    };
    const last = page[page.length - 1];
    if (last && remaining.length > page.length) {
      const after = encodeToken([last.submittedAt, last.conversionId]);
      body.paging = {
        next: {
          after,
          link: `/form-integrations/v1/submissions/forms/${formGuid}?after=${after}&limit=${limit}`,
        },
      };
    }
    return c.json(body, 200);
  });
}
