/**
 * Event-loop lag of one thread (Node only: perf_hooks), as the gauge
 * `tsunagu_event_loop_lag_seconds{thread}`, refreshed every second with the largest delay
 * seen over the last two intervals. Max, not p99: one long stall among ~100 samples a
 * second would vanish from a p99.
 *
 * `reset()` also forgets when the last sample was taken, so the delay under way when it is
 * called is never recorded, and after a stall this interval may run before the delay
 * sampler has recorded it. Hence two histograms reset on alternate ticks (a stall right
 * after one's reset is in the other), no reset on a tick that itself ran late (the stall
 * that delayed it may not be recorded yet), and that lateness counted as a delay too.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { Metrics } from "./registry.ts";

/** Sampling interval of the delay histograms; their samples include it, so it is subtracted. */
const RESOLUTION_MS = 10;

export function watchEventLoop(
  metrics: Metrics,
  thread: string,
  options: { intervalMs?: number } = {},
): { stop(): void } {
  const gauge = metrics.gauge(
    "tsunagu_event_loop_lag_seconds",
    "Largest event-loop delay over the last two seconds, per thread",
  );
  const labels = { thread };
  const histograms: [IntervalHistogram, IntervalHistogram] = [
    monitorEventLoopDelay({ resolution: RESOLUTION_MS }),
    monitorEventLoopDelay({ resolution: RESOLUTION_MS }),
  ];
  for (const h of histograms) h.enable();
  gauge.set(labels, 0);
  const intervalMs = options.intervalMs ?? 1000;
  let tick = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const lateMs = Math.max(0, now - last - intervalMs);
    last = now;
    const sampled = histograms.filter((h) => h.count > 0);
    const maxMs = Math.max(0, ...sampled.map((h) => h.max / 1e6 - RESOLUTION_MS));
    gauge.set(labels, Math.max(maxMs, lateMs) / 1000);
    if (lateMs <= 2 * RESOLUTION_MS) histograms[tick++ % 2]!.reset();
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      for (const h of histograms) h.disable();
    },
  };
}
