/**
 * Marketo smart-campaign webhooks ("Call Webhook" flow step). Marketo cannot sign a webhook;
 * the admin adds a custom header with a shared secret ("Set Custom Header"), which we compare
 * in constant time. The body is the admin's template; the one to configure:
 *
 *   {"leadId":"{{lead.Id}}","email":"{{lead.Email Address}}","updatedAt":"{{lead.Updated At}}",
 *    "trigger":"{{trigger.Trigger Name}}","eventId":"{{system.dateTime}}-{{lead.Id}}"}
 *
 * Only `leadId` is required. A notice is never trusted as data: it tells the hub which lead
 * to fetch. Marketo does not retry failed webhook calls, so a missed one is only caught by the
 * next incremental run.
 */
import type { ChangeNotice } from "../contract.ts";
import { timingSafeEqual } from "../shared/timing-safe.ts";
import { LEAD_OBJECT, parseMarketoDatetime } from "./leads.ts";

export const MARKETO_WEBHOOK_SECRET_HEADER = "x-tsunagu-webhook-secret";

export class MarketoWebhookError extends Error {
  override name = "MarketoWebhookError";
  constructor(
    /** "unauthorized": missing or wrong secret (answer 401); "malformed": bad body (400). */
    readonly reason: "unauthorized" | "malformed",
    message: string,
  ) {
    super(message);
  }

  get status(): 401 | 400 {
    return this.reason === "unauthorized" ? 401 : 400;
  }
}

export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
}

/** FNV-1a (64-bit) of a string, hex: identical deliveries get identical keys. */
function fingerprint(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

function parseBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  const text = body.trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {
      throw new MarketoWebhookError("malformed", "Marketo webhook body is not valid JSON");
    }
  }
  // "Request Type: form/url" templates arrive form-encoded.
  const form = new URLSearchParams(text);
  if (!form.has("leadId"))
    throw new MarketoWebhookError("malformed", "Marketo webhook body has no leadId");
  return Object.fromEntries(form);
}

function changedList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string" && value !== "") return value.split(",").map((v) => v.trim());
  return undefined;
}

/**
 * Verifies the shared-secret header, then turns the body (a JSON object, an array of them, or
 * a form-encoded body) into upsert notices. `eventKey` is the template's `eventId` when
 * present, else a fingerprint of the delivery, so a repeated delivery shares its key.
 */
export function parseMarketoWebhook(
  headers: HeaderSource,
  body: unknown,
  secret: string,
  now = Date.now(),
): ChangeNotice[] {
  if (!secret)
    throw new MarketoWebhookError("unauthorized", "no Marketo webhook secret is configured");
  const given = header(headers, MARKETO_WEBHOOK_SECRET_HEADER);
  if (given === undefined || !timingSafeEqual(given, secret))
    throw new MarketoWebhookError(
      "unauthorized",
      "Marketo webhook secret header is missing or wrong",
    );
  const parsed = parseBody(body);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0)
    throw new MarketoWebhookError("malformed", "Marketo webhook body is empty");
  return items.map((item, i): ChangeNotice => {
    const where = Array.isArray(parsed) ? `[${i}]` : "body";
    if (!item || typeof item !== "object" || Array.isArray(item))
      throw new MarketoWebhookError("malformed", `Marketo webhook ${where} is not an object`);
    const event = item as Record<string, unknown>;
    const leadId = String(event.leadId ?? "").trim();
    if (!/^\d+$/.test(leadId))
      throw new MarketoWebhookError(
        "malformed",
        `Marketo webhook ${where}.leadId must be a lead id`,
      );
    const eventId =
      typeof event.eventId === "string" && event.eventId !== "" ? event.eventId : undefined;
    const occurredAt =
      parseMarketoDatetime(event.updatedAt) || parseMarketoDatetime(event.sentAt) || now;
    const changed = changedList(event.changed);
    return {
      system: "marketo",
      object: LEAD_OBJECT,
      externalId: leadId,
      kind: "upsert",
      eventKey: `marketo:lead:${leadId}:${eventId ?? fingerprint(JSON.stringify(event))}`,
      occurredAt,
      detail: {
        ...(typeof event.trigger === "string" ? { trigger: event.trigger } : {}),
        ...(changed ? { changed } : {}),
        ...(changed?.some((f) => f === "unsubscribed") ? { consent: true } : {}),
      },
    };
  });
}
