/** Error types shared by the client and the token source (kept apart to avoid an import cycle). */

/** An HTTP error answer from Salesforce, with the status jsforce would have dropped. */
export class SalesforceApiError extends Error {
  override name = "SalesforceApiError";
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Getting an access token failed (OAuth token endpoint). `status` is the HTTP status, or 0
 * when no answer arrived (network error, timeout); `errorCode` is the OAuth `error`
 * (`invalid_client`, `invalid_grant`, ...) or `TOKEN_HTTP_<status>` / `TOKEN_NETWORK_<code>`.
 * Messages never contain the client secret or any token.
 */
export class SalesforceAuthError extends SalesforceApiError {
  override name = "SalesforceAuthError";
}
