/**
 * The single retry layer for every connector (the SDKs' own retries are switched off so
 * one failure never turns into dozens of calls). Retries only what the classifier calls
 * transient, waits what the server asked for (Retry-After) or an exponential back-off
 * with jitter, and gives up after `attempts`.
 */

export interface RetryDecision {
  retry: boolean;
  /** Server-requested wait in ms (Retry-After), if any. */
  afterMs?: number;
}

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  classify: (error: unknown) => RetryDecision;
  onRetry?: (info: { attempt: number; waitMs: number; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 30_000;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry || attempt >= attempts) throw error;
      const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const waitMs = decision.afterMs ?? backoff / 2 + Math.random() * (backoff / 2);
      options.onRetry?.({ attempt, waitMs, error });
      await wait(waitMs);
    }
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
