import type { LimiterOptions } from "../../../connectors/shared/limiter.ts";

export interface PermitRequest extends LimiterOptions {
  /** An in-flight slot is given back after this long if its holder never releases it. */
  leaseMs: number;
}

export type PermitAnswer = { lease: string } | { waitMs: number };

/**
 * One API's permits: call starts in a rolling window and calls in flight. Pure, so the
 * Durable Object that owns it stays a thin shell and the rule is tested on its own.
 */
export function createPermits(newLease: () => string) {
  const starts: number[] = [];
  const leases = new Map<string, number>();
  return {
    acquire(request: PermitRequest, now: number): PermitAnswer {
      while (starts.length > 0 && starts[0]! <= now - request.perMs) starts.shift();
      for (const [lease, expires] of leases) if (expires <= now) leases.delete(lease);
      if (starts.length >= request.requests)
        return { waitMs: starts[0]! + request.perMs - now + 1 };
      // Nobody is told when a slot frees up: poll briefly (calls last tens of milliseconds or more).
      if (leases.size >= request.concurrency) return { waitMs: 20 };
      starts.push(now);
      const lease = newLease();
      leases.set(lease, now + request.leaseMs);
      return { lease };
    },
    release(lease: string): void {
      leases.delete(lease);
    },
  };
}
