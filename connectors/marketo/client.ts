/**
 * The Marketo REST client: axios without its own retries, every call through one limiter
 * (rolling window + calls in flight) and one retry layer. Marketo answers almost every
 * failure as HTTP 200 `{success:false, errors:[{code}]}`, so the envelope, not the status,
 * decides: 601/602 renew the token once and repeat the call; 604/606/608/611/615/713, 5xx and
 * network errors back off and retry; 607 (daily quota) stops every call until midnight US
 * Central; anything else is final.
 */
import axios, { type AxiosInstance } from "axios";
import type { Metrics } from "../../src/metrics/registry.ts";
import {
  apiCallCounters,
  createLimiter,
  type FleetGates,
  type Limiter,
  type LimiterOptions,
} from "../shared/limiter.ts";
import { type RetryDecision, withRetry } from "../shared/retry.ts";
import { MarketoEnvelope } from "./api-types.ts";
import { createTokenSource, requestToken, type TokenSource } from "./auth.ts";
import { MarketoApiError, MarketoAuthError, MarketoQuotaError } from "./errors.ts";
import { nextCentralMidnight } from "./quota.ts";

export interface MarketoClientConfig {
  /** Instance root, e.g. https://123-ABC-456.mktorest.com (REST and identity live under it). */
  baseUrl: string;
  clientId: string;
  /** Never logged nor copied into errors. */
  clientSecret: string;
  /** Default 90 calls per 20 s and 8 in flight (Marketo allows 100 and 10, per instance). */
  rateLimit?: LimiterOptions;
  /** Fleet-wide limits shared with other processes (Workers); without it, this process's own. */
  fleet?: FleetGates;
  /** Per-request timeout (default 60,000 ms). */
  requestTimeoutMs?: number;
  retry?: { attempts?: number; baseMs?: number; maxMs?: number };
  /** Ask for a token this long before the current one expires (default 60 s). */
  tokenRefreshMarginSeconds?: number;
  /** Counts REST calls and rate-limit answers (tsunagu_api_calls_total, tsunagu_api_rate_limited_total). */
  metrics?: Metrics;
}

export type Params = Record<string, string | number | boolean | undefined>;

export interface MarketoClient {
  get(path: string, params?: Params): Promise<MarketoEnvelope>;
  post(path: string, body: unknown, params?: Params): Promise<MarketoEnvelope>;
  /** While the daily quota is spent: when calls resume (epoch ms). */
  quotaBlockedUntil(): number | undefined;
  /** Lift the 607 block early (e.g. after the quota was raised). */
  clearQuotaBlock(): void;
}

export const DEFAULT_RATE_LIMIT = { requests: 90, perMs: 20_000, concurrency: 8 };
/** Marketo refuses URLs over 8 KB (414); longer reads go as POST with `_method=GET`. */
const MAX_GET_URL = 7_000;
const TRANSIENT_CODES = new Set(["604", "606", "608", "611", "615", "713"]);
const TOKEN_CODES = new Set(["601", "602"]);
/** 606 rate window, 615 calls in flight, 607 daily quota: all answered as HTTP 200. */
const RATE_LIMIT_CODES = new Set(["606", "607", "615"]);

/**
 * An answer to a REST call saying a limit was hit (HTTP 429 or 606/607/615). Not the
 * quota block's own fail-fast error (no call was sent), nor token requests.
 */
export function isRateLimited(error: unknown): boolean {
  return (
    error instanceof MarketoApiError &&
    !(error instanceof MarketoAuthError) &&
    !(error instanceof MarketoQuotaError) &&
    (error.httpStatus === 429 || RATE_LIMIT_CODES.has(error.code))
  );
}

export function classifyMarketoError(error: unknown): RetryDecision {
  if (error instanceof MarketoQuotaError) return { retry: false };
  if (error instanceof MarketoAuthError)
    return { retry: error.httpStatus === 0 || error.httpStatus >= 500 || error.httpStatus === 429 };
  if (error instanceof MarketoApiError)
    return {
      retry: TRANSIENT_CODES.has(error.code) || error.httpStatus >= 500 || error.httpStatus === 429,
    };
  // No answer at all (reset, refused, timeout). Every call the connector makes is safe to
  // repeat: reads, createOrUpdate by email, updateOnly by id and deletes by id (a repeated
  // delete answers 1004, lead not found, which counts as erased).
  return { retry: axios.isAxiosError(error) && !error.response };
}

/** Can the same operation succeed later (WriteError.retryable)? The daily quota counts. */
export function isRetryableLater(error: unknown): boolean {
  return error instanceof MarketoQuotaError || classifyMarketoError(error).retry;
}

/** A short code for a whole-call failure. */
export function errorCode(error: unknown): string {
  if (error instanceof MarketoApiError) return error.code;
  if (axios.isAxiosError(error)) return `NETWORK_${error.code ?? "ERROR"}`;
  return "UNKNOWN_ERROR";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  return search.toString();
}

export function createMarketoClient(config: MarketoClientConfig): MarketoClient {
  const baseURL = config.baseUrl.replace(/\/+$/, "");
  const http: AxiosInstance = axios.create({
    baseURL,
    timeout: config.requestTimeoutMs ?? 60_000,
    validateStatus: () => true,
    headers: { accept: "application/json" },
  });
  const tokens: TokenSource = createTokenSource(() => requestToken(http, config), {
    marginMs: (config.tokenRefreshMarginSeconds ?? 60) * 1000,
  });
  const rate = config.rateLimit ?? DEFAULT_RATE_LIMIT;
  const counters = apiCallCounters(config.metrics, "marketo");
  const limiter: Limiter = createLimiter(rate, config.fleet?.("marketo", rate), counters);
  let blockedUntil: number | undefined;

  const gate = () => {
    if (blockedUntil === undefined) return;
    if (Date.now() >= blockedUntil) blockedUntil = undefined;
    else throw new MarketoQuotaError(blockedUntil);
  };

  async function send(
    method: "GET" | "POST",
    path: string,
    params: Params,
    body: unknown,
    token: string,
  ): Promise<MarketoEnvelope> {
    const authorization = `Bearer ${token}`;
    const query = queryString(params);
    const long = method === "GET" && path.length + query.length + 1 > MAX_GET_URL;
    const res = long
      ? await http.post(path, query, {
          params: { _method: "GET" },
          headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        })
      : await http.request({
          method,
          url: query ? `${path}?${query}` : path,
          headers: {
            authorization,
            ...(method === "POST" ? { "content-type": "application/json" } : {}),
          },
          ...(method === "POST" ? { data: body } : {}),
        });
    if (res.status !== 200)
      throw new MarketoApiError(
        `HTTP_${res.status}`,
        `Marketo answered HTTP ${res.status}`,
        res.status,
      );
    const envelope = MarketoEnvelope.safeParse(res.data);
    if (!envelope.success)
      throw new MarketoApiError("INVALID_RESPONSE", "Marketo answered with an unexpected body");
    if (!envelope.data.success) {
      const first = envelope.data.errors?.[0];
      throw new MarketoApiError(
        first?.code ?? "UNKNOWN",
        first?.message ?? "Marketo answered success:false",
      );
    }
    return envelope.data;
  }

  async function call(
    method: "GET" | "POST",
    path: string,
    params: Params,
    body?: unknown,
  ): Promise<MarketoEnvelope> {
    let renewed = false;
    const once = async () => {
      let used = "";
      // The token is fetched before taking a rate slot (a slot is counted from when it is
      // taken, so a slow token request would bunch calls up at Marketo), and re-read inside
      // in case it ran out while queued.
      gate();
      await tokens.token();
      try {
        return await limiter.schedule(async () => {
          gate();
          used = await tokens.token();
          return send(method, path, params, body, used);
        });
      } catch (error) {
        // A refused token is checked before anything runs, so repeating is safe; once per
        // call, so a token Marketo keeps refusing surfaces at once.
        if (renewed || !(error instanceof MarketoApiError) || !TOKEN_CODES.has(error.code))
          throw error;
        renewed = true;
        await tokens.refresh(used);
        return limiter.schedule(async () => {
          gate();
          return send(method, path, params, body, await tokens.token());
        });
      }
    };
    return withRetry(
      async () => {
        try {
          return await once();
        } catch (error) {
          if (isRateLimited(error)) counters?.rateLimited();
          if (
            error instanceof MarketoApiError &&
            error.code === "607" &&
            !(error instanceof MarketoQuotaError)
          ) {
            blockedUntil = nextCentralMidnight(Date.now());
            throw new MarketoQuotaError(blockedUntil);
          }
          throw error;
        }
      },
      {
        attempts: config.retry?.attempts ?? 6,
        baseMs: config.retry?.baseMs ?? 1000,
        maxMs: config.retry?.maxMs ?? 20_000,
        classify: classifyMarketoError,
      },
    );
  }

  return {
    get: (path, params = {}) => call("GET", path, params),
    post: (path, body, params = {}) => call("POST", path, params, body),
    quotaBlockedUntil: () => {
      if (blockedUntil !== undefined && Date.now() >= blockedUntil) blockedUntil = undefined;
      return blockedUntil;
    },
    clearQuotaBlock: () => {
      blockedUntil = undefined;
    },
  };
}
