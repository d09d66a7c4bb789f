/**
 * A tiny metrics registry (no dependencies, runs on Node and Workers) that speaks the
 * Prometheus text format 0.0.4. A worker thread keeps its own registry and posts
 * `snapshot()` (plain data, survives structured clone) to the main thread, which `absorb`s
 * it under a source name; `exposition()` then renders the main thread's own series and every
 * source's, merged by name and labels.
 *
 * Metric names and label keys are fixed strings in code. Label values must never carry
 * personal data or ids of people: every distinct label set is a series kept forever.
 */

export type Labels = Record<string, string>;

export interface Counter {
  /** Adds `by` (default 1); negative or non-finite amounts are ignored (counters only go up). */
  inc(labels?: Labels, by?: number): void;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
  /** Adds `by` (default 1, may be negative). */
  inc(labels?: Labels, by?: number): void;
}

export interface Histogram {
  /** Non-finite values are ignored. */
  observe(labels: Labels, value: number): void;
}

export interface CounterSeries {
  labels: Labels;
  value: number;
}

export interface GaugeSeries {
  labels: Labels;
  value: number;
  /** When the value was last set (epoch ms): across sources the latest wins. */
  at: number;
}

export interface HistogramSeries {
  labels: Labels;
  /** Per bucket, not cumulative: `counts[i]` values <= `buckets[i]` and > `buckets[i - 1]`. */
  counts: number[];
  /** Every observation, including those above the last bucket (+Inf). */
  count: number;
  sum: number;
}

export type MetricData =
  | { kind: "counter"; name: string; help: string; series: CounterSeries[] }
  | { kind: "gauge"; name: string; help: string; series: GaugeSeries[] }
  | {
      kind: "histogram";
      name: string;
      help: string;
      /** Upper bounds, strictly increasing, finite (+Inf is implicit). */
      buckets: number[];
      series: HistogramSeries[];
    };

/** Plain data only (arrays, objects, strings, numbers): survives structured clone (postMessage). */
export interface MetricsSnapshot {
  metrics: MetricData[];
}

export interface Metrics {
  /** Same name twice returns the same metric (a different kind under one name throws). */
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** Everything this registry holds: its own series merged with every absorbed source's. */
  snapshot(): MetricsSnapshot;
  /** Replaces what `source` sent last (a worker thread posts its snapshot every second). */
  absorb(source: string, snapshot: MetricsSnapshot): void;
  /**
   * Prometheus text format 0.0.4: own series plus every absorbed source's, merged by name
   * and labels (counters and histograms add up, gauges: the last set wins per label set).
   * A source's metric whose kind or buckets differ from the first one seen under that name
   * is left out.
   */
  exposition(): string;
}

/** Seconds-scaled buckets for latencies: 0.005 ... 30. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One key per label set, independent of the order the labels were written in. */
function seriesKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  keys.sort();
  return JSON.stringify(keys.map((k) => [k, labels[k]]));
}

function checkLabels(name: string, labels: Labels | undefined, reserved?: string): Labels {
  const copy: Labels = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL_NAME.test(key) || key.startsWith("__") || key === reserved)
      throw new Error(`metric ${name}: invalid label name ${JSON.stringify(key)}`);
    copy[key] = String(value);
  }
  return copy;
}

interface OwnCounter {
  kind: "counter";
  help: string;
  series: Map<string, CounterSeries>;
  api: Counter;
}
interface OwnGauge {
  kind: "gauge";
  help: string;
  series: Map<string, GaugeSeries>;
  api: Gauge;
}
interface OwnHistogram {
  kind: "histogram";
  help: string;
  buckets: number[];
  series: Map<string, HistogramSeries>;
  api: Histogram;
}
type Own = OwnCounter | OwnGauge | OwnHistogram;

function normaliseBuckets(name: string, buckets: readonly number[]): number[] {
  const out = buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) || (i > 0 && out[i]! <= out[i - 1]!))
      throw new Error(`histogram ${name}: buckets must be finite and strictly increasing`);
  }
  return out;
}

const sameBuckets = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

export function createMetrics(): Metrics {
  const own = new Map<string, Own>();
  const sources = new Map<string, MetricsSnapshot>();

  function existing<K extends Own["kind"]>(
    name: string,
    kind: K,
  ): Extract<Own, { kind: K }> | undefined {
    const found = own.get(name);
    if (!found) {
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
      return undefined;
    }
    if (found.kind !== kind)
      throw new Error(`metric ${name} is already registered as a ${found.kind}, not a ${kind}`);
    return found as Extract<Own, { kind: K }>;
  }

  function counter(name: string, help: string): Counter {
    const found = existing(name, "counter");
    if (found) return found.api;
    const series = new Map<string, CounterSeries>();
    const api: Counter = {
      inc(labels, by = 1) {
        if (!(by >= 0) || !Number.isFinite(by)) return;
        const key = seriesKey(labels);
        const s = series.get(key);
        if (s) s.value += by;
        else series.set(key, { labels: checkLabels(name, labels), value: by });
      },
    };
    own.set(name, { kind: "counter", help, series, api });
    return api;
  }

  function gauge(name: string, help: string): Gauge {
    const found = existing(name, "gauge");
    if (found) return found.api;
    const series = new Map<string, GaugeSeries>();
    const update = (labels: Labels | undefined, apply: (old: number) => number) => {
      const key = seriesKey(labels);
      const s = series.get(key);
      if (s) {
        s.value = apply(s.value);
        s.at = Date.now();
      } else {
        series.set(key, { labels: checkLabels(name, labels), value: apply(0), at: Date.now() });
      }
    };
    const api: Gauge = {
      set: (labels, value) => update(labels, () => value),
      inc: (labels, by = 1) => update(labels, (old) => old + by),
    };
    own.set(name, { kind: "gauge", help, series, api });
    return api;
  }

  function histogram(name: string, help: string, bucketList: readonly number[]): Histogram {
    const buckets = normaliseBuckets(name, bucketList);
    const found = existing(name, "histogram");
    if (found) {
      if (!sameBuckets(found.buckets, buckets))
        throw new Error(`histogram ${name} is already registered with other buckets`);
      return found.api;
    }
    const series = new Map<string, HistogramSeries>();
    const api: Histogram = {
      observe(labels, value) {
        if (!Number.isFinite(value)) return;
        const key = seriesKey(labels);
        let s = series.get(key);
        if (!s) {
          s = {
            labels: checkLabels(name, labels, "le"),
            counts: new Array<number>(buckets.length).fill(0),
            count: 0,
            sum: 0,
          };
          series.set(key, s);
        }
        s.count++;
        s.sum += value;
        for (let i = 0; i < buckets.length; i++) {
          if (value <= buckets[i]!) {
            s.counts[i]!++;
            break;
          }
        }
      },
    };
    own.set(name, { kind: "histogram", help, buckets, series, api });
    return api;
  }

  function ownSnapshot(): MetricsSnapshot {
    const metrics: MetricData[] = [];
    for (const [name, m] of own) {
      if (m.kind === "counter") {
        metrics.push({
          kind: "counter",
          name,
          help: m.help,
          series: [...m.series.values()].map((s) => ({ labels: { ...s.labels }, value: s.value })),
        });
      } else if (m.kind === "gauge") {
        metrics.push({
          kind: "gauge",
          name,
          help: m.help,
          series: [...m.series.values()].map((s) => ({
            labels: { ...s.labels },
            value: s.value,
            at: s.at,
          })),
        });
      } else {
        metrics.push({
          kind: "histogram",
          name,
          help: m.help,
          buckets: [...m.buckets],
          series: [...m.series.values()].map((s) => ({
            labels: { ...s.labels },
            counts: [...s.counts],
            count: s.count,
            sum: s.sum,
          })),
        });
      }
    }
    return { metrics };
  }

  function snapshot(): MetricsSnapshot {
    if (sources.size === 0) return ownSnapshot();
    return merge([ownSnapshot(), ...sources.values()]);
  }

  return {
    counter,
    gauge,
    histogram,
    snapshot,
    absorb(source, data) {
      sources.set(source, data);
    },
    exposition: () => render(snapshot()),
  };
}

/** Merges snapshots by metric name and label set; the first snapshot's kind and buckets rule. */
function merge(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const byName = new Map<string, { metric: MetricData; series: Map<string, unknown> }>();
  for (const snap of snapshots) {
    for (const metric of snap?.metrics ?? []) {
      let entry = byName.get(metric.name);
      if (!entry) {
        const copy = (
          metric.kind === "histogram"
            ? { ...metric, buckets: [...metric.buckets], series: [] }
            : { ...metric, series: [] }
        ) as MetricData;
        entry = { metric: copy, series: new Map() };
        byName.set(metric.name, entry);
      }
      const into = entry.metric;
      if (into.kind !== metric.kind) continue;
      if (
        into.kind === "histogram" &&
        metric.kind === "histogram" &&
        !sameBuckets(into.buckets, metric.buckets)
      )
        continue;
      for (const s of metric.series as (CounterSeries | GaugeSeries | HistogramSeries)[]) {
        const key = seriesKey(s.labels);
        const held = entry.series.get(key);
        if (into.kind === "counter") {
          const c = s as CounterSeries;
          if (held) (held as CounterSeries).value += c.value;
          else {
            const fresh = { labels: { ...c.labels }, value: c.value };
            entry.series.set(key, fresh);
            into.series.push(fresh);
          }
        } else if (into.kind === "gauge") {
          const g = s as GaugeSeries;
          if (held) {
            const h = held as GaugeSeries;
            if (g.at >= h.at) {
              h.value = g.value;
              h.at = g.at;
            }
          } else {
            const fresh = { labels: { ...g.labels }, value: g.value, at: g.at };
            entry.series.set(key, fresh);
            into.series.push(fresh);
          }
        } else {
          const x = s as HistogramSeries;
          if (held) {
            const h = held as HistogramSeries;
            h.count += x.count;
            h.sum += x.sum;
            for (let i = 0; i < h.counts.length; i++) h.counts[i]! += x.counts[i] ?? 0;
          } else {
            const fresh = {
              labels: { ...x.labels },
              counts: [...x.counts],
              count: x.count,
              sum: x.sum,
            };
            entry.series.set(key, fresh);
            into.series.push(fresh);
          }
        }
      }
    }
  }
  return { metrics: [...byName.values()].map((e) => e.metric) };
}

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** The Prometheus text exposition format 0.0.4 of a snapshot. */
export function render(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  for (const metric of snapshot.metrics) {
    lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`);
    lines.push(`# TYPE ${metric.name} ${metric.kind}`);
    if (metric.kind === "histogram") {
      for (const s of metric.series) {
        let cumulative = 0;
        metric.buckets.forEach((bound, i) => {
          cumulative += s.counts[i] ?? 0;
          lines.push(
            `${metric.name}_bucket${formatLabels(s.labels, ["le", formatNumber(bound)])} ${cumulative}`,
          );
        });
        lines.push(`${metric.name}_bucket${formatLabels(s.labels, ["le", "+Inf"])} ${s.count}`);
        lines.push(`${metric.name}_sum${formatLabels(s.labels)} ${formatNumber(s.sum)}`);
        lines.push(`${metric.name}_count${formatLabels(s.labels)} ${s.count}`);
      }
    } else {
      for (const s of metric.series)
        lines.push(`${metric.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
