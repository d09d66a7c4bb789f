/** Error types and error reading shared by the client, both connections and the token source. */
import { parseRetryAfter } from "../shared/retry.ts";
import { SalesforceApiErrorBody } from "./api-types.ts";

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
 * A SOAP fault (HTTP 500 with `<soapenv:Fault>`): the call was refused as a whole, e.g.
 * INVALID_SESSION_ID, INVALID_TYPE, REQUEST_LIMIT_EXCEEDED. Its status says nothing about
 * whether trying again helps; the fault code does.
 */
export class SalesforceSoapFault extends SalesforceApiError {
  override name = "SalesforceSoapFault";
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

/** No (complete) answer arrived; `code` is one of NETWORK_CODES. */
export class SalesforceNetworkError extends Error {
  override name = "SalesforceNetworkError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ENOTFOUND",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/**
 * The network failure behind an error, if it is one: node-fetch's FetchError (jsforce) and
 * AbortError (its timeout), undici's `TypeError: fetch failed` with the code on `cause`,
 * TimeoutError (AbortSignal.timeout) and SalesforceNetworkError (the fetch connection).
 */
export function networkCode(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { name?: string; code?: string; errno?: string; cause?: { code?: string } };
  if (e.name === "AbortError" || e.name === "TimeoutError") return "ETIMEDOUT";
  const code = [e.code, e.errno, e.cause?.code].find((c) => c && NETWORK_CODES.has(c));
  // undici's "other side closed" is node-fetch's ECONNRESET: report both the same way.
  if (code === "UND_ERR_SOCKET") return "ECONNRESET";
  return code ?? (e.name === "FetchError" ? "ECONNRESET" : undefined);
}

/** An answer a connection turns into an error: >= 300, as redirects were already followed. */
export const isErrorStatus = (status: number): boolean => status >= 300;

/**
 * An HTTP error answer as SalesforceApiError. The body is parsed only when it says it is
 * JSON (edge outages answer HTML) and never copied into the message.
 */
export function toApiError(res: {
  status: number;
  header: (name: string) => string | null | undefined;
  body: string;
}): SalesforceApiError {
  const retryAfterMs = parseRetryAfter(res.header("retry-after"));
  const fault = soapFaultOf(res.body);
  if (fault && /xml/i.test(res.header("content-type") ?? ""))
    return new SalesforceSoapFault(res.status, fault.code, fault.message, [], retryAfterMs);
  if (/json/i.test(res.header("content-type") ?? "")) {
    try {
      const parsed = SalesforceApiErrorBody.safeParse(JSON.parse(res.body));
      const first = parsed.success ? parsed.data[0] : undefined;
      if (first)
        return new SalesforceApiError(
          res.status,
          first.errorCode,
          first.message,
          first.fields ?? [],
          retryAfterMs,
        );
    } catch {
      // fall through: not the documented error shape
    }
  }
  return new SalesforceApiError(
    res.status,
    `HTTP_${res.status}`,
    `Salesforce answered HTTP ${res.status}`,
    [],
    retryAfterMs,
  );
}

/** `<faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>...</faultstring>` of a SOAP fault. */
export function soapFaultOf(body: string): { code: string; message: string } | undefined {
  const code = /<faultcode>(?:[\w-]+:)?([\w]+)<\/faultcode>/.exec(body)?.[1];
  if (!code) return undefined;
  const message = /<faultstring>([^<]*)<\/faultstring>/.exec(body)?.[1] ?? code;
  return { code, message: unescapeXml(message) };
}

const unescapeXml = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
