import PQueue from "p-queue";
import type { Metrics } from "../../src/metrics/registry.ts";

/**
 * Keeps a connector under an API's published limits: at most `concurrency` calls in
 * flight (p-queue) and at most `requests` calls started in any rolling `perMs` window.
 * p-queue's own interval is a fixed window, which lets up to twice the cap through
 * across a window boundary; real APIs (HubSpot's TEN_SECONDLY_ROLLING) count a rolling
 * window, so starts are also checked against a sliding log.
 */
export interface LimiterOptions {
  requests: number;
  perMs: number;
  concurrency: number;
}

export interface Limiter {
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  readonly pending: number;
}

/**
 * Permits shared by every process that calls one API with the same credentials (on Workers,
 * isolates of one deployment through a Durable Object): a per-process limiter alone lets N
 * processes reach N times the limit.
 */
export interface SharedGate {
  /** Resolves when a call may start; the returned function frees its in-flight slot. */
  acquire(): Promise<() => Promise<void>>;
}

/** Gives each named limiter of a connector its fleet-wide gate. */
export type FleetGates = (name: string, limits: LimiterOptions) => SharedGate;

/** Told about every call the limiter lets through, just before it starts. */
export interface LimiterObserver {
  started(): void;
}

/**
 * A connector's API-call counters: every call started (the limiter's observer) and every
 * answer saying a rate limit or quota was hit (counted where the client classifies errors).
 */
export interface ApiCallCounters extends LimiterObserver {
  rateLimited(): void;
}

/** `tsunagu_api_calls_total{system}` and `tsunagu_api_rate_limited_total{system}`; none without metrics. */
export function apiCallCounters(
  metrics: Metrics | undefined,
  system: string,
): ApiCallCounters | undefined {
  if (!metrics) return undefined;
  const calls = metrics.counter(
    "tsunagu_api_calls_total",
    "API calls a connector started (each retry counts)",
  );
  const limited = metrics.counter(
    "tsunagu_api_rate_limited_total",
    "API answers saying a rate limit or quota was hit (HTTP 429, Marketo 606/607/615, Salesforce REQUEST_LIMIT_EXCEEDED)",
  );
  const labels = { system };
  return { started: () => calls.inc(labels), rateLimited: () => limited.inc(labels) };
}

export function createLimiter(
  options: LimiterOptions,
  gate?: SharedGate,
  observer?: LimiterObserver,
): Limiter {
  const queue = new PQueue({ concurrency: options.concurrency });
  const starts: number[] = [];

  async function acquireSlot(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (starts.length > 0 && starts[0]! <= now - options.perMs) starts.shift();
      if (starts.length < options.requests) {
        starts.push(now);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, starts[0]! + options.perMs - now + 1));
    }
  }

  return {
    schedule: <T>(fn: () => Promise<T>) =>
      queue.add(async () => {
        await acquireSlot();
        const release = await gate?.acquire();
        try {
          observer?.started();
          return await fn();
        } finally {
          await release?.();
        }
      }) as Promise<T>,
    get pending() {
      return queue.size + queue.pending;
    },
  };
}
