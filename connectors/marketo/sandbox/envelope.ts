/**
 * Marketo's response envelope: `{requestId, success, result?, errors?, warnings?,
 * moreResult?, nextPageToken?}`. Errors (auth, limits, bad parameters) are HTTP 200 with
 * `success:false` and string codes; only 413, 414 and the identity service's 401 are HTTP
 * errors.
 */
import { randomBytes } from "node:crypto";
import type { Context } from "hono";

export const MESSAGES: Record<string, string> = {
  "601": "Access token invalid",
  "602": "Access token expired",
  "603": "Access denied",
  "604": "Request time-out",
  "605": "HTTP Method not supported",
  "606": "Max rate limit '%s' exceeded with in '%s' secs",
  "607": "Daily quota reached",
  "608": "API Temporarily Unavailable",
  "609": "Invalid JSON",
  "610": "Requested resource not found",
  "611": "System error",
  "612": "Invalid Content Type",
  "615": "Concurrent access limit reached",
};

/** e.g. "e42b#18c4a3f0d1e" like Marketo's request ids. */
export function requestId(): string {
  return `${randomBytes(2).toString("hex")}#${Date.now().toString(16)}`;
}

export type Env = { Variables: { code?: string } };

export function ok(c: Context<Env>, extra: Record<string, unknown> = {}): Response {
  return c.json({ requestId: requestId(), ...extra, success: true });
}

export function fail(c: Context<Env>, code: string, message?: string): Response {
  c.set("code", code);
  return c.json({
    requestId: requestId(),
    success: false,
    errors: [{ code, message: message ?? MESSAGES[code] ?? "Error" }],
  });
}

/** Thrown by handlers for a request-level error answer. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? MESSAGES[code] ?? code);
  }
}
