import type { LimiterOptions } from "../../../connectors/shared/limiter.ts";

export interface PermitRequest extends LimiterOptions {
  /** An in-flight slot is given back after this long if its holder never releases it. */
  leaseMs: number;
}

export type PermitAnswer = { lease: string } | { waitMs: number };

/**
 * One API's permits. A call counts against the rolling window from its start until
 * `perMs` after it ends: the API sees it arrive at some moment in between (network and
 * CPU delay decide when), so counting only starts lets a busy fleet's arrivals bunch past
 * the limit. With this rule no window of the API's can hold more calls than the limit,
 * whenever each one arrives. Pure, so the Durable Object that owns it stays a thin shell
 * and the rule is tested on its own.
 */
export function createPermits(newLease: () => string) {
  /** When calls ended, oldest first. */
  const ended: number[] = [];
  const leases = new Map<string, number>();
  const end = (at: number) => {
    ended.push(at);
    // Leases run out out of order with releases: keep the log sorted.
    for (let i = ended.length - 1; i > 0 && ended[i - 1]! > ended[i]!; i--)
      [ended[i - 1], ended[i]] = [ended[i]!, ended[i - 1]!];
  };
  return {
    acquire(request: PermitRequest, now: number): PermitAnswer {
      for (const [lease, expires] of leases)
        if (expires <= now) {
          leases.delete(lease);
          end(expires);
        }
      while (ended.length > 0 && ended[0]! <= now - request.perMs) ended.shift();
      if (leases.size + ended.length >= request.requests)
        // Nobody is told when a call ends: poll briefly (calls last tens of milliseconds or more).
        return { waitMs: ended.length > 0 ? ended[0]! + request.perMs - now + 1 : 20 };
      if (leases.size >= request.concurrency) return { waitMs: 20 };
      const lease = newLease();
      leases.set(lease, now + request.leaseMs);
      return { lease };
    },
    release(lease: string, now: number): void {
      if (leases.delete(lease)) end(now);
    },
  };
}
