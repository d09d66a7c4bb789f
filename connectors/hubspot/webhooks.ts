/**
 * HubSpot webhook verification and parsing. WebCrypto only (crypto.subtle), so the same
 * code runs on Node and on Cloudflare Workers.
 *
 * Docs: https://developers.hubspot.com/docs/guides/apps/authentication/validating-requests
 * v3 = base64(HMAC-SHA256(clientSecret, method + uri + rawBody + timestamp)), timestamp in
 * epoch ms, rejected when older than 5 minutes. v1/v2 are legacy unkeyed SHA-256 hex digests.
 */
import type { ChangeNotice } from "../contract.ts";
import { timingSafeEqual } from "../shared/timing-safe.ts";
import { HubspotWebhookEvents } from "./api-types.ts";

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacSha256Base64(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(message));
  return toBase64(new Uint8Array(mac));
}

async function sha256Hex(message: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(message));
  return toHex(new Uint8Array(digest));
}

export interface SignV3Input {
  method: string;
  /** The full URL exactly as HubSpot called it (scheme, host, path and query). */
  url: string;
  rawBody: string;
  clientSecret: string;
  /** Epoch ms, sent as X-HubSpot-Request-Timestamp. */
  timestamp: number | string;
}

/** base64(HMAC-SHA256(clientSecret, method + url + rawBody + timestamp)). */
export function signHubspotV3(input: SignV3Input): Promise<string> {
  const message = `${input.method.toUpperCase()}${input.url}${input.rawBody}${input.timestamp}`;
  return hmacSha256Base64(input.clientSecret, message);
}

/** Legacy v1: hex(sha256(secret + body)); v2: hex(sha256(secret + method + uri + body)). */
export function signHubspotLegacy(input: {
  version: "v1" | "v2";
  method?: string;
  url?: string;
  rawBody: string;
  clientSecret: string;
}): Promise<string> {
  if (input.version === "v1") return sha256Hex(`${input.clientSecret}${input.rawBody}`);
  const method = (input.method ?? "").toUpperCase();
  return sha256Hex(`${input.clientSecret}${method}${input.url ?? ""}${input.rawBody}`);
}

export type HeaderSource = Headers | Record<string, string | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export interface VerifyInput {
  method: string;
  url: string;
  rawBody: string;
  headers: HeaderSource;
  clientSecret: string;
  now?: number;
  maxAgeMs?: number;
  maxFutureSkewMs?: number;
}

export type VerifyResult =
  | { ok: true; version: "v1" | "v2" | "v3" }
  | { ok: false; reason: string };

export async function verifyHubspotSignature(input: VerifyInput): Promise<VerifyResult> {
  const now = input.now ?? Date.now();
  const maxAgeMs = input.maxAgeMs ?? 300_000;
  const maxFutureSkewMs = input.maxFutureSkewMs ?? 60_000;
  const v3 = header(input.headers, "x-hubspot-signature-v3");
  if (v3 !== undefined) {
    const rawTimestamp = header(input.headers, "x-hubspot-request-timestamp");
    if (!rawTimestamp || !/^\d+$/.test(rawTimestamp)) {
      return { ok: false, reason: "missing or malformed X-HubSpot-Request-Timestamp" };
    }
    const timestamp = Number(rawTimestamp);
    // Freshness first: a replayed request with a valid signature must still be refused.
    if (now - timestamp > maxAgeMs) return { ok: false, reason: "timestamp is too old" };
    if (timestamp - now > maxFutureSkewMs) {
      return { ok: false, reason: "timestamp is in the future" };
    }
    const expected = await signHubspotV3({
      method: input.method,
      url: input.url,
      rawBody: input.rawBody,
      clientSecret: input.clientSecret,
      timestamp: rawTimestamp,
    });
    return timingSafeEqual(expected, v3)
      ? { ok: true, version: "v3" }
      : { ok: false, reason: "signature mismatch" };
  }
  const legacy = header(input.headers, "x-hubspot-signature");
  if (legacy === undefined) return { ok: false, reason: "no HubSpot signature header" };
  const version = (header(input.headers, "x-hubspot-signature-version") ?? "v1").toLowerCase();
  if (version !== "v1" && version !== "v2") {
    return { ok: false, reason: `unsupported signature version ${version}` };
  }
  const expected = await signHubspotLegacy({
    version,
    method: input.method,
    url: input.url,
    rawBody: input.rawBody,
    clientSecret: input.clientSecret,
  });
  return timingSafeEqual(expected, legacy.toLowerCase())
    ? { ok: true, version }
    : { ok: false, reason: "signature mismatch" };
}

const KIND_BY_SUFFIX: Record<string, ChangeNotice["kind"]> = {
  creation: "upsert",
  propertyChange: "upsert",
  restore: "upsert",
  associationChange: "upsert",
  deletion: "delete",
  merge: "merge",
  privacyDeletion: "privacy_deletion",
};

/** `hs_email_optout` (unsubscribed from all) and `hs_email_optout_<subscriptionId>`. */
export function isConsentProperty(name: string | undefined): boolean {
  return name !== undefined && /^hs_email_optout(_\d+)?$/.test(name);
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join("");
}

/**
 * Turns a webhook body into change notices. Throws (message names the field, e.g.
 * `[0].objectId: ...`) when the body is not a valid event array. Events for other objects
 * and unknown contact event types are dropped: they are not ours to act on.
 */
export function parseHubspotWebhook(rawBody: string): ChangeNotice[] {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new Error("HubSpot webhook body is not valid JSON");
  }
  const parsed = HubspotWebhookEvents.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = formatIssuePath(issue.path) || "(body)";
    throw new Error(`Invalid HubSpot webhook body at ${where}: ${issue.message}`);
  }
  const notices: ChangeNotice[] = [];
  for (const event of parsed.data) {
    const [object, suffix] = event.subscriptionType.split(".", 2);
    if (object !== "contact" || !suffix) continue;
    const kind = KIND_BY_SUFFIX[suffix];
    if (!kind) continue;
    // eventId is not unique on its own (HubSpot reuses it across subscriptions and
    // properties); these parts together are stable across redeliveries (attemptNumber is
    // deliberately left out) and differ for every real change.
    const eventKey = [
      "hubspot",
      event.subscriptionType,
      event.objectId,
      event.eventId,
      event.occurredAt,
      event.propertyName ?? "",
    ].join(":");
    const detail: Record<string, unknown> = {
      subscriptionType: event.subscriptionType,
      changeSource: event.changeSource,
      portalId: event.portalId,
    };
    if (event.propertyName !== undefined) detail.propertyName = event.propertyName;
    // Subscription status changes reach apps as opt-out property changes (no event of their
    // own): the hub should re-read consent for this contact.
    if (kind === "upsert" && isConsentProperty(event.propertyName)) detail.consent = true;
    if (event.propertyValue !== undefined) detail.propertyValue = event.propertyValue;
    if (event.changeFlag !== undefined) detail.changeFlag = event.changeFlag;
    if (event.mergedObjectIds !== undefined) detail.mergedObjectIds = event.mergedObjectIds;
    if (event.newObjectId !== undefined) detail.newObjectId = event.newObjectId;
    if (event.primaryObjectId !== undefined) detail.primaryObjectId = event.primaryObjectId;
    notices.push({
      system: "hubspot",
      object: "contact",
      externalId: String(event.objectId),
      kind,
      eventKey,
      occurredAt: event.occurredAt,
      detail,
    });
  }
  return notices;
}
