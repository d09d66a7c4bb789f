export type Lane = "fast" | "bulk";

export interface LaneOptions {
  fastStreak?: number;
  onDepth?: (depth: Record<Lane, number>) => void;
  /**
   * How the next task is started when one ends (default: at once). Node's engine thread
   * passes `setImmediate`: the next task is then chosen after the ended task's awaiters have
   * run and the thread has taken in its messages, so a notice's fetch is followed by its
   * batch, and a notice that arrived during a job page goes before the next page. Not on
   * Workers, where a timer set in one request is cancelled when that request ends.
   */
  handOver?: (next: () => void) => void;
}

export interface Lanes {
  /** Runs the task after those already running; fast tasks go ahead of waiting bulk tasks. */
  run<T>(lane: Lane, task: () => Promise<T>): Promise<T>;
  /** Tasks waiting per lane (not counting the one running). */
  depth(): Record<Lane, number>;
}

/**
 * One task at a time, so two batches never merge the same person at once, in two lanes:
 * webhook notices and operator actions (fast) go before job pages (bulk). After
 * `fastStreak` fast tasks in a row a waiting bulk task runs, so a webhook flood slows a
 * backfill down but never stops it. A failed task does not block the next.
 */
export function createLanes(options: LaneOptions = {}): Lanes {
  const fastStreak = options.fastStreak ?? 8;
  const handOver = options.handOver ?? ((next: () => void) => next());
  const waiting: Record<Lane, (() => void)[]> = { fast: [], bulk: [] };
  let running = false;
  let streak = 0;

  function next() {
    const takeBulk = waiting.bulk.length > 0 && (waiting.fast.length === 0 || streak >= fastStreak);
    const start = takeBulk ? waiting.bulk.shift() : waiting.fast.shift();
    if (!start) {
      running = false;
      return;
    }
    streak = takeBulk ? 0 : streak + 1;
    options.onDepth?.({ fast: waiting.fast.length, bulk: waiting.bulk.length });
    start();
  }

  return {
    run<T>(lane: Lane, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting[lane].push(() => {
          Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => handOver(next));
        });
        options.onDepth?.({ fast: waiting.fast.length, bulk: waiting.bulk.length });
        if (!running) {
          running = true;
          next();
        }
      });
    },
    depth: () => ({ fast: waiting.fast.length, bulk: waiting.bulk.length }),
  };
}
