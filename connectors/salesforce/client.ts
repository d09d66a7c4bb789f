/**
 * The Salesforce client: a connection (jsforce on Node, fetch on Workers; see
 * `connection.ts`), a limiter, exactly one retry layer (ours), error classification and
 * token renewal. Connections never retry by themselves.
 */
import type { Metrics } from "../../src/metrics/registry.ts";
import {
  apiCallCounters,
  createLimiter,
  type FleetGates,
  type Limiter,
  type LimiterOptions,
} from "../shared/limiter.ts";
import { type RetryDecision, withRetry } from "../shared/retry.ts";
import {
  createTokenSource,
  requestClientCredentialsToken,
  type SalesforceAuth,
  type TokenSource,
  validateClientCredentials,
} from "./auth.ts";
import type { ConnectionFactory, SalesforceConnection } from "./connection.ts";
import {
  networkCode,
  SalesforceApiError,
  SalesforceAuthError,
  SalesforceSoapFault,
} from "./errors.ts";

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
  /** `jsforceConnection` (Node) or `fetchConnection` (Node and Workers). */
  connect: ConnectionFactory;
  version?: string;
  rateLimit?: LimiterOptions;
  /** Fleet-wide limits shared with other processes (Workers); without it, this process's own. */
  fleet?: FleetGates;
  /** Per-request timeout (default 120 s; jsforce's own default is 30 minutes). */
  requestTimeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** Counts API calls and rate-limit answers (tsunagu_api_calls_total, tsunagu_api_rate_limited_total). */
  metrics?: Metrics;
};

/** Failures where the request certainly never reached Salesforce. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

/** SOAP fault codes worth repeating the call for (the rest are refusals of the request). */
const SOAP_TRANSIENT_FAULTS = new Set([
  "SERVER_UNAVAILABLE",
  "REQUEST_LIMIT_EXCEEDED",
  "UNKNOWN_EXCEPTION",
]);

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
  if (error instanceof SalesforceSoapFault)
    return SOAP_TRANSIENT_FAULTS.has(error.errorCode) && !isDailyLimit(error)
      ? { retry: true, afterMs: error.retryAfterMs }
      : { retry: false };
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

/**
 * A rate-limit answer to an API call: REQUEST_LIMIT_EXCEEDED (daily or concurrent) or HTTP
 * 429/420. Token requests are not API calls (the limiter never sees them), so not counted.
 */
export function isRateLimited(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError &&
    !(error instanceof SalesforceAuthError) &&
    (error.errorCode === "REQUEST_LIMIT_EXCEEDED" || error.status === 429 || error.status === 420)
  );
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

/** The access token was rejected (expired, revoked, or the session was logged out). */
export function isInvalidSession(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError &&
    !(error instanceof SalesforceAuthError) &&
    (error.status === 401 || error instanceof SalesforceSoapFault) &&
    error.errorCode === "INVALID_SESSION_ID"
  );
}

export interface SalesforceClient {
  /**
   * The connection. With `auth` it has no token until the first `call` (use `call`, which
   * also renews the token).
   */
  readonly conn: SalesforceConnection;
  /** Runs one API call through the limiter with our retry policy. */
  call<T>(
    fn: (conn: SalesforceConnection) => Promise<T>,
    options?: { idempotent?: boolean },
  ): Promise<T>;
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
  // The connection never refreshes a token by itself; `call` renews on 401.
  const conn = config.connect({
    instanceUrl: auth ? auth.loginUrl.replace(/\/+$/, "") : config.instanceUrl,
    ...(auth ? {} : { accessToken: config.accessToken }),
    version,
    timeoutMs,
  });
  const tokens: TokenSource | undefined = auth
    ? createTokenSource(
        () => requestClientCredentialsToken(auth, timeoutMs),
        (session) => {
          // Connections read both on every request; no need to rebuild one.
          conn.instanceUrl = session.instanceUrl;
          conn.accessToken = session.accessToken;
        },
      )
    : undefined;
  // 25 concurrent long (>20 s) requests per org; stay well under it, and cap bursts.
  const rate = config.rateLimit ?? { requests: 50, perMs: 1000, concurrency: 10 };
  const counters = apiCallCounters(config.metrics, "salesforce");
  const limiter: Limiter = createLimiter(rate, config.fleet?.("salesforce", rate), counters);
  return {
    conn,
    call: <T>(
      fn: (conn: SalesforceConnection) => Promise<T>,
      options: { idempotent?: boolean } = {},
    ) => {
      let renewed = false;
      const attempt = async (): Promise<T> => {
        if (!tokens) return limiter.schedule(() => fn(conn));
        await tokens.session();
        let used: string | undefined;
        const send = () =>
          limiter.schedule(() => {
            used = conn.accessToken;
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
        classify: (error) => {
          if (isRateLimited(error)) counters?.rateLimited();
          return classifySalesforceError(error, options);
        },
      });
    },
    apiUsage: () => {
      const usage = conn.limitInfo.apiUsage;
      return usage ? { used: usage.used, limit: usage.limit } : undefined;
    },
  };
}
