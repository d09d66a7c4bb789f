/**
 * What every simulator needs to behave like a rate-limited API: a rolling window of calls
 * (HubSpot's TEN_SECONDLY_ROLLING, Marketo's 100 per 20 s are rolling, not fixed windows)
 * and a queue of injected faults for tests.
 */

export class RollingWindow {
  private readonly starts: number[] = [];

  constructor(
    public max: number,
    public perMs: number,
  ) {}

  private prune(now: number): void {
    while (this.starts.length > 0 && this.starts[0]! <= now - this.perMs) this.starts.shift();
  }

  /** Counts the request when there is room; rejected requests are not counted. */
  tryTake(now = Date.now()): { ok: boolean; remaining: number } {
    this.prune(now);
    if (this.starts.length >= this.max) return { ok: false, remaining: 0 };
    this.starts.push(now);
    return { ok: true, remaining: this.max - this.starts.length };
  }

  remaining(now = Date.now()): number {
    this.prune(now);
    return Math.max(0, this.max - this.starts.length);
  }
}

/** A fault for calls matching `method` and `pathPrefix` (either absent: any), used `times` times. */
export interface FaultMatch {
  times: number;
  method?: string | undefined;
  pathPrefix?: string | undefined;
}

/** Injected faults, first match first; each answers `times` calls and is then gone. */
export class FaultQueue<F extends FaultMatch> {
  private faults: F[] = [];

  add(fault: F): void {
    if (!Number.isInteger(fault.times) || fault.times < 1)
      throw new Error("fault times must be a positive integer");
    this.faults.push({ ...fault, method: fault.method?.toUpperCase() });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault to answer this call with, consuming one use of the first matching fault. */
  take(method: string, path: string): F | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method.toUpperCase()) &&
        (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
