import { describe, expect, it } from "vitest";
import {
  createMetrics,
  LATENCY_BUCKETS,
  type MetricsSnapshot,
} from "../../src/metrics/registry.ts";

const lines = (text: string) => text.trimEnd().split("\n");
const sample = (text: string, series: string) =>
  lines(text)
    .find((l) => l.startsWith(`${series} `))
    ?.slice(series.length + 1);

describe("exposition (Prometheus text format 0.0.4)", () => {
  it("writes HELP and TYPE lines, then one line per series", () => {
    const m = createMetrics();
    m.counter("jobs_total", "Jobs run").inc({ kind: "sync" });
    m.counter("jobs_total", "ignored: first help wins").inc({ kind: "sync" }, 2);
    m.counter("jobs_total", "").inc();
    m.gauge("depth", "Inbox depth").set({ queue: "inbox" }, 7);
    expect(lines(m.exposition())).toEqual([
      "# HELP jobs_total Jobs run",
      "# TYPE jobs_total counter",
      'jobs_total{kind="sync"} 3',
      "jobs_total 1",
      "# HELP depth Inbox depth",
      "# TYPE depth gauge",
      'depth{queue="inbox"} 7',
    ]);
    expect(m.exposition().endsWith("\n")).toBe(true);
  });

  it("histograms: cumulative buckets, +Inf equal to _count, _sum", () => {
    const m = createMetrics();
    const h = m.histogram("ack_seconds", "Ack latency", [0.1, 0.5, 1]);
    for (const v of [0.05, 0.1, 0.3, 0.7, 2, 5]) h.observe({ system: "hubspot" }, v);
    expect(lines(m.exposition())).toEqual([
      "# HELP ack_seconds Ack latency",
      "# TYPE ack_seconds histogram",
      'ack_seconds_bucket{system="hubspot",le="0.1"} 2',
      'ack_seconds_bucket{system="hubspot",le="0.5"} 3',
      'ack_seconds_bucket{system="hubspot",le="1"} 4',
      'ack_seconds_bucket{system="hubspot",le="+Inf"} 6',
      'ack_seconds_sum{system="hubspot"} 8.15',
      'ack_seconds_count{system="hubspot"} 6',
    ]);
  });

  it("escapes label values (backslash, quote, newline) and help text", () => {
    const m = createMetrics();
    m.counter("odd_total", 'Help with \\ and\nnewline and "quotes"').inc({
      path: 'C:\\dir "x"\nnext',
    });
    const text = m.exposition();
    expect(lines(text)[0]).toBe('# HELP odd_total Help with \\\\ and\\nnewline and "quotes"');
    expect(lines(text)[2]).toBe('odd_total{path="C:\\\\dir \\"x\\"\\nnext"} 1');
    expect(lines(text)).toHaveLength(3);
  });

  it("label order does not make a new series", () => {
    const m = createMetrics();
    const c = m.counter("pairs_total", "Pairs");
    c.inc({ a: "1", b: "2" });
    c.inc({ b: "2", a: "1" });
    expect(sample(m.exposition(), 'pairs_total{a="1",b="2"}')).toBe("2");
  });

  it("gauges go up and down; counters ignore negative amounts", () => {
    const m = createMetrics();
    const g = m.gauge("in_flight", "Calls in flight");
    g.inc();
    g.inc(undefined, 2);
    g.inc({}, -1);
    const c = m.counter("calls_total", "Calls");
    c.inc(undefined, 3);
    c.inc(undefined, -5);
    c.inc(undefined, Number.NaN);
    const text = m.exposition();
    expect(sample(text, "in_flight")).toBe("2");
    expect(sample(text, "calls_total")).toBe("3");
  });

  it("rejects invalid names, a kind clash and reserved labels", () => {
    const m = createMetrics();
    expect(() => m.counter("bad-name", "x")).toThrow(/invalid metric name/);
    m.counter("taken", "x");
    expect(() => m.gauge("taken", "x")).toThrow(/already registered as a counter/);
    const h = m.histogram("lat", "x", [1, 2]);
    expect(() => m.histogram("lat", "x", [1, 3])).toThrow(/other buckets/);
    expect(m.histogram("lat", "x", [1, 2, Number.POSITIVE_INFINITY])).toBe(h);
    expect(() => h.observe({ le: "1" }, 1)).toThrow(/invalid label name/);
    expect(() => m.histogram("unsorted", "x", [2, 1])).toThrow(/strictly increasing/);
  });

  it("LATENCY_BUCKETS are seconds from 5 ms to 30 s, increasing", () => {
    expect(LATENCY_BUCKETS[0]).toBe(0.005);
    expect(LATENCY_BUCKETS.at(-1)).toBe(30);
    for (let i = 1; i < LATENCY_BUCKETS.length; i++)
      expect(LATENCY_BUCKETS[i]!).toBeGreaterThan(LATENCY_BUCKETS[i - 1]!);
    expect(Object.isFrozen(LATENCY_BUCKETS)).toBe(true);
  });
});

describe("snapshot and absorb (worker threads)", () => {
  function workerRegistry() {
    const w = createMetrics();
    w.counter("api_calls_total", "API calls").inc({ system: "hubspot" }, 5);
    w.gauge("lag_seconds", "Lag").set({ thread: "engine" }, 0.25);
    w.histogram("drain_seconds", "Drain", [1, 10]).observe({ system: "hubspot" }, 3);
    return w;
  }

  it("a snapshot is plain data that survives structuredClone unchanged", () => {
    const snap = workerRegistry().snapshot();
    const cloned = structuredClone(snap);
    expect(cloned).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    const main = createMetrics();
    main.absorb("engine", cloned);
    expect(main.exposition()).toBe(workerRegistry().exposition());
  });

  it("a snapshot is a copy: later updates do not change it", () => {
    const m = createMetrics();
    const c = m.counter("n_total", "n");
    c.inc();
    const snap = m.snapshot();
    c.inc();
    expect(snap.metrics[0]).toMatchObject({ series: [{ value: 1 }] });
  });

  it("absorb replaces what the source sent last and adds to own series", () => {
    const main = createMetrics();
    const own = main.counter("api_calls_total", "API calls");
    own.inc({ system: "hubspot" }, 2);
    own.inc({ system: "marketo" }, 1);
    const worker = createMetrics();
    const calls = worker.counter("api_calls_total", "API calls");
    calls.inc({ system: "hubspot" }, 10);
    main.absorb("engine", structuredClone(worker.snapshot()));
    calls.inc({ system: "hubspot" }, 5);
    calls.inc({ system: "salesforce" }, 4);
    main.absorb("engine", structuredClone(worker.snapshot()));
    const text = main.exposition();
    // 2 own + 15 (the latest snapshot, not 10 + 15).
    expect(sample(text, 'api_calls_total{system="hubspot"}')).toBe("17");
    expect(sample(text, 'api_calls_total{system="marketo"}')).toBe("1");
    expect(sample(text, 'api_calls_total{system="salesforce"}')).toBe("4");
    expect(lines(text).filter((l) => l.startsWith("# TYPE"))).toEqual([
      "# TYPE api_calls_total counter",
    ]);
    // Two sources add up too; an empty snapshot forgets a source.
    main.absorb("other", structuredClone(worker.snapshot()));
    expect(sample(main.exposition(), 'api_calls_total{system="hubspot"}')).toBe("32");
    main.absorb("other", { metrics: [] });
    main.absorb("engine", { metrics: [] });
    expect(sample(main.exposition(), 'api_calls_total{system="hubspot"}')).toBe("2");
  });

  it("histograms add bucket by bucket; metrics only a source has are rendered too", () => {
    const main = createMetrics();
    const h = main.histogram("drain_seconds", "Drain", [1, 10]);
    h.observe({ system: "hubspot" }, 0.5);
    main.absorb("engine", workerRegistry().snapshot());
    const text = main.exposition();
    expect(sample(text, 'drain_seconds_bucket{system="hubspot",le="1"}')).toBe("1");
    expect(sample(text, 'drain_seconds_bucket{system="hubspot",le="10"}')).toBe("2");
    expect(sample(text, 'drain_seconds_bucket{system="hubspot",le="+Inf"}')).toBe("2");
    expect(sample(text, 'drain_seconds_sum{system="hubspot"}')).toBe("3.5");
    expect(sample(text, 'drain_seconds_count{system="hubspot"}')).toBe("2");
    expect(sample(text, 'lag_seconds{thread="engine"}')).toBe("0.25");
    expect(main.snapshot().metrics.map((m) => m.name)).toEqual([
      "drain_seconds",
      "api_calls_total",
      "lag_seconds",
    ]);
  });

  it("gauges: the value set last wins per label set", () => {
    const main = createMetrics();
    const older: MetricsSnapshot = {
      metrics: [
        {
          kind: "gauge",
          name: "g",
          help: "G",
          series: [{ labels: { a: "x" }, value: 1, at: 100 }],
        },
      ],
    };
    const newer: MetricsSnapshot = {
      metrics: [
        {
          kind: "gauge",
          name: "g",
          help: "G",
          series: [{ labels: { a: "x" }, value: 2, at: 200 }],
        },
      ],
    };
    main.absorb("b", newer);
    main.absorb("a", older);
    expect(sample(main.exposition(), 'g{a="x"}')).toBe("2");
    main.gauge("g", "G").set({ a: "x" }, 3); // now: later than both
    expect(sample(main.exposition(), 'g{a="x"}')).toBe("3");
  });

  it("a source's metric of another kind or other buckets is left out, not mixed in", () => {
    const main = createMetrics();
    main.counter("clash", "own counter").inc();
    main.histogram("lat", "own", [1, 2]).observe({}, 1.5);
    main.absorb("engine", {
      metrics: [
        { kind: "gauge", name: "clash", help: "x", series: [{ labels: {}, value: 9, at: 1 }] },
        {
          kind: "histogram",
          name: "lat",
          help: "x",
          buckets: [5],
          series: [{ labels: {}, counts: [1], count: 1, sum: 1 }],
        },
      ],
    });
    const text = main.exposition();
    expect(sample(text, "clash")).toBe("1");
    expect(sample(text, "lat_count")).toBe("1");
  });
});
