/**
 * Rolling-window rate limits (HubSpot counts TEN_SECONDLY_ROLLING, not fixed windows) and
 * one-shot fault injection for tests.
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

export interface FaultSpec {
  status: number;
  times: number;
  method?: string;
  pathPrefix?: string;
}

export class FaultInjector {
  private faults: FaultSpec[] = [];

  add(fault: FaultSpec): void {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new Error("fault status must be an HTTP error status (400-599)");
    }
    if (!Number.isInteger(fault.times) || fault.times < 1) {
      throw new Error("fault times must be a positive integer");
    }
    this.faults.push({ ...fault, method: fault.method?.toUpperCase() });
  }

  clear(): void {
    this.faults = [];
  }

  /** The status to fail this call with, consuming one use of the first matching fault. */
  take(method: string, path: string): number | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method.toUpperCase()) &&
        (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault.status;
  }
}
