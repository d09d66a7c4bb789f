import PQueue from "p-queue";

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

export function createLimiter(options: LimiterOptions): Limiter {
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
        return fn();
      }) as Promise<T>,
    get pending() {
      return queue.size + queue.pending;
    },
  };
}
