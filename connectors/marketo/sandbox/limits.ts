/**
 * Marketo's three limits, all answered as HTTP 200 errors: a rolling window of calls (606),
 * calls in flight (615) and a daily quota that resets at midnight US Central (607). Plus
 * one-shot fault injection and the request log with its window statistics.
 */
import type { SandboxRequestLogEntry } from "../../../src/sandbox/contract.ts";
import { FaultQueue } from "../../../src/sandbox/limits.ts";
import { centralDay } from "../quota.ts";

export { RollingWindow } from "../../../src/sandbox/limits.ts";

export class DailyQuota {
  private day: string;
  used = 0;

  constructor(
    public limit: number,
    now = Date.now(),
  ) {
    this.day = centralDay(now);
  }

  private roll(now: number): void {
    const today = centralDay(now);
    if (today !== this.day) {
      this.day = today;
      this.used = 0;
    }
  }

  exhausted(now = Date.now()): boolean {
    this.roll(now);
    return this.used >= this.limit;
  }

  take(now = Date.now()): void {
    this.roll(now);
    this.used++;
  }

  usage(now = Date.now()): { used: number; limit: number } {
    this.roll(now);
    return { used: this.used, limit: this.limit };
  }
}

/**
 * A fault for the next `times` matching calls: a Marketo error `code` (HTTP 200,
 * success:false, e.g. "606", "615", "604", "608", "607", "601") or an HTTP-level
 * `httpStatus` (500, 502, 503, 413, 414).
 */
export interface FaultSpec {
  code?: string;
  message?: string;
  httpStatus?: number;
  times?: number;
  method?: string;
  pathPrefix?: string;
}

export class FaultInjector extends FaultQueue<FaultSpec & { times: number }> {
  override add(fault: FaultSpec & { times?: number }): void {
    if (!fault.code && !fault.httpStatus) throw new Error("a fault needs a code or an httpStatus");
    super.add({ ...fault, times: fault.times ?? 1 });
  }
}

export interface MarketoRequestLogEntry extends SandboxRequestLogEntry {
  /** The Marketo error code when the envelope said success:false. */
  code?: string;
  /** When the request arrived (`at` is when it was answered). */
  startedAt: number;
}

/** Most requests whose arrival falls in any window of `perMs` (a sliding window). */
export function maxInWindow(entries: MarketoRequestLogEntry[], perMs: number): number {
  const starts = entries.map((e) => e.startedAt).sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < starts.length; hi++) {
    while (starts[hi]! - starts[lo]! >= perMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Tracks requests in flight and the highest number seen. */
export class InFlight {
  current = 0;
  peak = 0;

  enter(): number {
    this.current++;
    this.peak = Math.max(this.peak, this.current);
    return this.current;
  }

  leave(): void {
    this.current--;
  }
}
