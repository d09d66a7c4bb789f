/**
 * jsforce Connection setup with exactly one retry layer (ours), a limiter, and error
 * classification. jsforce 3.10.16 retries 420/429/5xx and socket errors by itself for
 * GET/PUT/HEAD/OPTIONS/DELETE (src/request.ts, up to 5 times, 420 twice regardless); we
 * switch that off per request (`retry.methods: []`) through a thin transport wrapper,
 * which also turns every HTTP >= 400 into a SalesforceApiError that keeps the status code
 * (jsforce's own HttpApiError drops it and copies HTML bodies into the message).
 */
import { Connection, type HttpRequest } from "jsforce";
import { createLimiter, type Limiter } from "../shared/limiter.ts";
import { parseRetryAfter, type RetryDecision, withRetry } from "../shared/retry.ts";
import { SalesforceApiErrorBody } from "./api-types.ts";
import {
  createTokenSource,
  requestClientCredentialsToken,
  type SalesforceAuth,
  type TokenSource,
  validateClientCredentials,
} from "./auth.ts";
import { SalesforceApiError, SalesforceAuthError } from "./errors.ts";

export { SalesforceApiError, SalesforceAuthError } from "./errors.ts";

/**
 * How to authenticate: a fixed access token (session id) for a known instance, or OAuth
 * client credentials (`auth`), fetched on the first call and renewed once per call on
 * 401 INVALID_SESSION_ID.
 */
export type SalesforceCredentials =
  | { instanceUrl: string; accessToken: string; auth?: undefined }
  | { auth: SalesforceAuth; instanceUrl?: undefined; accessToken?: undefined };

export type SalesforceClientConfig = SalesforceCredentials & {
  version?: string;
  rateLimit?: { requests: number; perMs: number; concurrency: number };
  /** Per-request timeout; jsforce's default is 30 minutes. */
  requestTimeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
};

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
/** Failures where the request certainly never reached Salesforce. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

function networkCode(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const e = error as { name?: string; code?: string; errno?: string };
  if (e.name === "AbortError") return "ETIMEDOUT";
  const code = e.code ?? e.errno;
  return code && NETWORK_CODES.has(code)
    ? code
    : e.name === "FetchError"
      ? "ECONNRESET"
      : undefined;
}

/** The daily allocation is spent: waiting seconds does not help, so never retry in-call. */
export function isDailyLimit(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError &&
    error.errorCode === "REQUEST_LIMIT_EXCEEDED" &&
    !/concurrent/i.test(error.message)
  );
}

/**
 * Retry now? 5xx, 420/429, the concurrent-long-request limit and network errors: yes.
 * The daily limit (403 REQUEST_LIMIT_EXCEEDED "TotalRequests") and every other 4xx: no.
 * A non-idempotent call (create) is retried after a network error only if it never left.
 */
export function classifySalesforceError(
  error: unknown,
  options: { idempotent?: boolean } = {},
): RetryDecision {
  if (error instanceof SalesforceAuthError) {
    // The API request was not sent yet, so even a create can be retried after a network error.
    return error.status === 0 || error.status >= 500 || error.status === 429
      ? { retry: true, afterMs: error.retryAfterMs }
      : { retry: false };
  }
  if (error instanceof SalesforceApiError) {
    if (error.errorCode === "REQUEST_LIMIT_EXCEEDED") {
      return isDailyLimit(error) ? { retry: false } : { retry: true, afterMs: error.retryAfterMs };
    }
    if (error.status >= 500 || error.status === 429 || error.status === 420) {
      return { retry: true, afterMs: error.retryAfterMs };
    }
    return { retry: false };
  }
  const code = networkCode(error);
  if (!code) return { retry: false };
  return { retry: options.idempotent !== false || NOT_SENT_CODES.has(code) };
}

/** Can the caller succeed by trying the same operation later (WriteError.retryable)? */
export function isRetryableLater(error: unknown, options: { idempotent?: boolean } = {}): boolean {
  return isDailyLimit(error) || classifySalesforceError(error, options).retry;
}

/** A short code for a whole-call failure (never includes response bodies). */
export function errorCode(error: unknown): string {
  if (error instanceof SalesforceApiError) return error.errorCode;
  const code = networkCode(error);
  return code ? `NETWORK_${code}` : "UNKNOWN_ERROR";
}

function toApiError(res: {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}): SalesforceApiError {
  const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
  if (/json/i.test(res.headers["content-type"] ?? "")) {
    try {
      const parsed = SalesforceApiErrorBody.safeParse(JSON.parse(res.body));
      const first = parsed.success ? parsed.data[0] : undefined;
      if (first)
        return new SalesforceApiError(
          res.statusCode,
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
    res.statusCode,
    `HTTP_${res.statusCode}`,
    `Salesforce answered HTTP ${res.statusCode}`,
    [],
    retryAfterMs,
  );
}

/** Replaces the connection's transport: no jsforce retries, a timeout, typed HTTP errors. */
function installSingleRetryLayer(conn: Connection, timeoutMs: number): void {
  const inner = conn._transport;
  const wrapper = {
    httpRequest(req: HttpRequest, options: Parameters<typeof inner.httpRequest>[1] = {}) {
      const sp = inner.httpRequest(req, {
        ...options,
        timeout: timeoutMs,
        retry: { ...options.retry, methods: [], maxRetries: 0 },
      });
      const checked = sp.then((res) => {
        if (res.statusCode >= 400) throw toApiError(res);
        return res;
      });
      return Object.assign(checked, { stream: () => sp.stream() });
    },
    getRequestStreamCreator: () => inner.getRequestStreamCreator(),
  };
  conn._transport = wrapper as unknown as typeof inner;
}

/** The access token was rejected (expired, revoked, or the session was logged out). */
export function isInvalidSession(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError &&
    !(error instanceof SalesforceAuthError) &&
    error.status === 401 &&
    error.errorCode === "INVALID_SESSION_ID"
  );
}

export interface SalesforceClient {
  /**
   * The jsforce connection. With `auth` it has no token until the first `call` (use
   * `call`, which also renews the token).
   */
  readonly conn: Connection;
  /** Runs one API call through the limiter with our retry policy. */
  call<T>(fn: (conn: Connection) => Promise<T>, options?: { idempotent?: boolean }): Promise<T>;
  /** Daily API usage from the last `Sforce-Limit-Info` header seen. */
  apiUsage(): { used: number; limit: number } | undefined;
}

export function createSalesforceClient(config: SalesforceClientConfig): SalesforceClient {
  const version = config.version ?? "62.0";
  const timeoutMs = config.requestTimeoutMs ?? 120_000;
  const auth = config.auth;
  if (auth && config.accessToken)
    throw new Error("Salesforce config: give either accessToken or auth, not both");
  if (auth && auth.kind !== "client_credentials")
    throw new Error(`Salesforce config: unsupported auth kind ${String(auth.kind)}`);
  if (auth) validateClientCredentials(auth);
  // jsforce gets no OAuth client and no refreshFn, so it never refreshes by itself (its
  // refresh re-sends without bound and would be a second retry layer); we do it in `call`.
  const conn = new Connection({
    instanceUrl: auth ? auth.loginUrl.replace(/\/+$/, "") : config.instanceUrl,
    ...(auth ? {} : { accessToken: config.accessToken }),
    version,
  });
  installSingleRetryLayer(conn, timeoutMs);
  const tokens: TokenSource | undefined = auth
    ? createTokenSource(
        () => requestClientCredentialsToken(auth, timeoutMs),
        (session) => {
          // jsforce reads both on every request; no need to rebuild the Connection.
          conn.instanceUrl = session.instanceUrl;
          conn.accessToken = session.accessToken;
        },
      )
    : undefined;
  // 25 concurrent long (>20 s) requests per org; stay well under it, and cap bursts.
  const limiter: Limiter = createLimiter(
    config.rateLimit ?? { requests: 50, perMs: 1000, concurrency: 10 },
  );
  return {
    conn,
    call: <T>(fn: (conn: Connection) => Promise<T>, options: { idempotent?: boolean } = {}) => {
      let renewed = false;
      const attempt = async (): Promise<T> => {
        if (!tokens) return limiter.schedule(() => fn(conn));
        await tokens.session();
        let used: string | undefined;
        const send = () =>
          limiter.schedule(() => {
            used = conn.accessToken ?? undefined;
            return fn(conn);
          });
        try {
          return await send();
        } catch (error) {
          // A 401 is refused before anything is processed, so repeating (even a create) is
          // safe; once per call, so a token the API keeps refusing surfaces at once.
          if (renewed || !isInvalidSession(error)) throw error;
          renewed = true;
          await tokens.refresh(used);
          return await send();
        }
      };
      return withRetry(attempt, {
        attempts: config.retry?.attempts ?? 5,
        baseMs: config.retry?.baseMs ?? 500,
        maxMs: config.retry?.maxMs ?? 30_000,
        classify: (error) => classifySalesforceError(error, options),
      });
    },
    apiUsage: () => {
      const usage = conn.limitInfo?.apiUsage;
      return usage ? { used: usage.used, limit: usage.limit } : undefined;
    },
  };
}
