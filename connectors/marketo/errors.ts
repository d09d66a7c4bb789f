/** Error types of the Marketo connector. Messages never carry the client secret or a token. */

/**
 * A Marketo answer that was not a success: an envelope error (`code` "606", "1003", ... with
 * HTTP 200), or an HTTP-level failure (`code` "HTTP_<status>", `httpStatus` set).
 */
export class MarketoApiError extends Error {
  override name = "MarketoApiError";
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 200,
  ) {
    super(message);
  }
}

/** The identity service refused or failed (`code` is the OAuth `error`, or TOKEN_HTTP_<n> / TOKEN_NETWORK_<code>). */
export class MarketoAuthError extends MarketoApiError {
  override name = "MarketoAuthError";
}

/**
 * The daily quota is spent (607). Nothing is sent again before `resetAt` (midnight US
 * Central): calls fail fast with this error instead.
 */
export class MarketoQuotaError extends MarketoApiError {
  override name = "MarketoQuotaError";
  constructor(
    readonly resetAt: number,
    message = `Marketo daily API quota reached (607); calls resume after ${new Date(resetAt).toISOString()}`,
  ) {
    super("607", message);
  }
}
