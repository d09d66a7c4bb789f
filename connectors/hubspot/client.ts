/**
 * The HubSpot SDK set up for tsunagu: the SDK's own retries off (one retry layer only,
 * connectors/shared/retry.ts), every call through a rolling-window limiter sized to the
 * private-app limit, search calls additionally through a 5/s limiter, and one classifier
 * deciding what is worth retrying.
 */
import { Client } from "@hubspot/api-client";
import type { Metrics } from "../../src/metrics/registry.ts";
import {
  apiCallCounters,
  createLimiter,
  type FleetGates,
  type Limiter,
  type LimiterOptions,
} from "../shared/limiter.ts";
import { parseRetryAfter, type RetryDecision, withRetry } from "../shared/retry.ts";

export interface HubspotClientConfig {
  accessToken: string;
  /** Origin only, no trailing slash (e.g. the sandbox's baseUrl). Default https://api.hubapi.com. */
  basePath?: string;
  /** Default 180 per 10 s (Professional/Enterprise 190 minus a safety margin), 10 in flight. */
  rateLimit?: LimiterOptions;
  /** Fleet-wide limits shared with other processes (Workers); without it, this process's own. */
  fleet?: FleetGates;
  /** Search calls per second; default 5 (counted over a slightly longer window for safety). */
  searchPerSecond?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** Counts API calls and 429 answers (tsunagu_api_calls_total, tsunagu_api_rate_limited_total). */
  metrics?: Metrics;
}

export interface HubspotApi {
  readonly sdk: Client;
  /** Runs one API call under the limiters and the retry policy. */
  call<T>(fn: (sdk: Client) => Promise<T>, options?: { search?: boolean }): Promise<T>;
}

export const DEFAULT_RATE_LIMIT = { requests: 180, perMs: 10_000, concurrency: 10 };

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
]);

/** The SDK throws ApiException {code: HTTP status, body, headers (lower-case names)}. */
export function httpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && code >= 100 && code <= 599 ? code : undefined;
}

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, string> } | null)?.headers;
  return headers?.[name] ?? undefined;
}

export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "TimeoutError") return true;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === "string" && NETWORK_CODES.has(cause.code)) return true;
  return error instanceof TypeError && /fetch failed|network/i.test(error.message);
}

/**
 * Retry 429 (any policy: the SDK drops `policyName` when it deserialises the error body, so
 * the policy cannot be trusted to be there), 5xx, 423 Locked (HubSpot asks for >= 2 s) and
 * network failures; never any other 4xx. Honour Retry-After when the server sends one.
 */
export function classifyHubspotError(error: unknown): RetryDecision {
  const status = httpStatusOf(error);
  if (status === undefined) return { retry: isNetworkError(error) };
  const afterMs = parseRetryAfter(headerOf(error, "retry-after"));
  if (status === 429 || status >= 500) return { retry: true, afterMs };
  if (status === 423) return { retry: true, afterMs: Math.max(afterMs ?? 0, 2_000) };
  return { retry: false };
}

/** A short machine code and a message for a failed call, for WriteError. */
export function describeHubspotError(error: unknown): { code: string; message: string } {
  const status = httpStatusOf(error);
  const body = (error as { body?: { category?: string; message?: string } } | null)?.body;
  if (status !== undefined) {
    return {
      code: body?.category ?? `HTTP_${status}`,
      message: body?.message ?? `HubSpot answered ${status}`,
    };
  }
  if (isNetworkError(error)) return { code: "NETWORK_ERROR", message: String(error) };
  return { code: "UNKNOWN_ERROR", message: error instanceof Error ? error.message : String(error) };
}

export function createHubspotApi(config: HubspotClientConfig): HubspotApi {
  // numberOfApiCallRetries 0: no RetryDecorator; no limiterOptions: no Bottleneck decorator.
  const sdk = new Client({
    accessToken: config.accessToken,
    numberOfApiCallRetries: 0,
    ...(config.basePath ? { basePath: config.basePath } : {}),
  });
  // The SDK keeps its decorators in a process-wide singleton that each new Client overwrites
  // and applies lazily when an API group is first touched: bind ours now, before another
  // Client (with retries) elsewhere in the process can change them.
  void sdk.crm.contacts;
  void sdk.crm.objects.meetings;
  void sdk.crm.objects.emails;
  void sdk.crm.associations.v4;
  void sdk.communicationPreferences;
  // `apiRequest` (communication preferences v4) cannot be bound this way: it applies the
  // decorators current at call time. Never create a Client with retries in this process.
  const rate = config.rateLimit ?? DEFAULT_RATE_LIMIT;
  // The limiter counts call starts, HubSpot counts arrivals: a slow first call (connection
  // set-up) followed by fast ones lands more calls in one server-side window than we started
  // in ours. Widening our window by a latency allowance keeps the two from disagreeing.
  const generalLimits = {
    ...rate,
    perMs: rate.perMs + Math.min(1_000, Math.ceil(rate.perMs * 0.1)),
  };
  const counters = apiCallCounters(config.metrics, "hubspot");
  // Every call passes the general limiter (searches too), so it alone counts calls.
  const general: Limiter = createLimiter(
    generalLimits,
    config.fleet?.("hubspot", generalLimits),
    counters,
  );
  const searchPerSecond = config.searchPerSecond ?? 5;
  // 5 per 1,250 ms for the same reason: a second is short next to network jitter (and next
  // to an event loop busy parsing a 200-record page), which must not squeeze six into one.
  const searchLimits = { requests: searchPerSecond, perMs: 1_250, concurrency: searchPerSecond };
  const search: Limiter = createLimiter(
    searchLimits,
    config.fleet?.("hubspot:search", searchLimits),
  );
  const retry = config.retry ?? {};
  return {
    sdk,
    call: (fn, options) =>
      withRetry(
        () =>
          options?.search
            ? search.schedule(() => general.schedule(() => fn(sdk)))
            : general.schedule(() => fn(sdk)),
        {
          attempts: retry.attempts ?? 8,
          baseMs: retry.baseMs ?? 500,
          maxMs: retry.maxMs ?? 10_000,
          classify: (error) => {
            if (httpStatusOf(error) === 429) counters?.rateLimited();
            return classifyHubspotError(error);
          },
        },
      ),
  };
}
