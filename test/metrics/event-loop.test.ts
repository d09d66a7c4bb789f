import { describe, expect, it } from "vitest";
import { watchEventLoop } from "../../src/metrics/event-loop.ts";
import { createMetrics, type Metrics } from "../../src/metrics/registry.ts";

const lag = (metrics: Metrics, thread: string) => {
  const series = `tsunagu_event_loop_lag_seconds{thread="${thread}"}`;
  const line = metrics
    .exposition()
    .split("\n")
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: nothing else runs on this thread meanwhile
  }
};

describe("watchEventLoop", () => {
  it("sets the lag gauge per thread: near 0 when idle, the stall's length after one", async () => {
    const metrics = createMetrics();
    const watch = watchEventLoop(metrics, "http", { intervalMs: 200 });
    try {
      expect(metrics.exposition()).toContain("# TYPE tsunagu_event_loop_lag_seconds gauge\n");
      expect(lag(metrics, "http")).toBe(0);
      await sleep(450);
      expect(lag(metrics, "http")!).toBeLessThan(0.1);
      await sleep(20);
      block(300);
      // Shown within an interval, for up to two.
      let seen = 0;
      for (let i = 0; i < 8; i++) {
        await sleep(50);
        seen = Math.max(seen, lag(metrics, "http")!);
      }
      expect(seen).toBeGreaterThanOrEqual(0.25);
      // Quiet intervals bring it back down (the value is recent, not all-time).
      await sleep(600);
      expect(lag(metrics, "http")!).toBeLessThan(0.1);
    } finally {
      watch.stop();
    }
  });

  it("catches a stall that starts right after a reset (same tick as the refresh)", async () => {
    const metrics = createMetrics();
    const watch = watchEventLoop(metrics, "engine", { intervalMs: 200 });
    // Same duration, created next: Node runs it right after the refresh, in the same tick.
    let blocked = false;
    const stall = setInterval(() => {
      if (blocked) return;
      blocked = true;
      block(300);
    }, 200);
    try {
      let seen = 0;
      for (let i = 0; i < 20; i++) {
        await sleep(50);
        seen = Math.max(seen, lag(metrics, "engine")!);
      }
      expect(blocked).toBe(true);
      expect(seen).toBeGreaterThanOrEqual(0.25);
    } finally {
      clearInterval(stall);
      watch.stop();
    }
  });

  it("stop() ends the updates", async () => {
    const metrics = createMetrics();
    const watch = watchEventLoop(metrics, "engine", { intervalMs: 50 });
    watch.stop();
    block(150);
    await sleep(150);
    expect(lag(metrics, "engine")).toBe(0);
  });
});
