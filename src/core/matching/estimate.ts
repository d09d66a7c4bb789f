import { ruleKey } from "./blocking.ts";
import { comparisonVector, type PreparedRecord } from "./compare.ts";
import type { Comparison, MatchingConfig } from "./config.ts";
import { type Model, termFrequencies } from "./fellegi-sunter.ts";

/** Deterministic 32-bit PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * u by random sampling (Splink's approach): random record pairs are almost all non-matches,
 * so the share of them at each level estimates u. Add-half smoothing keeps unseen levels > 0.
 */
export function estimateU(
  comparisons: readonly Comparison[],
  records: readonly PreparedRecord[],
  samples: number,
  seed: number,
): number[][] {
  const counts = comparisons.map((c) => new Array<number>(c.levels.length).fill(0.5));
  const n = records.length;
  if (n < 2) return counts.map((row) => row.map(() => 1 / row.length));
  const random = mulberry32(seed);
  const vector = new Int8Array(comparisons.length);
  const total = Math.min(samples, (n * (n - 1)) / 2);
  for (let s = 0; s < total; s++) {
    const i = Math.floor(random() * n);
    let j = Math.floor(random() * (n - 1));
    if (j >= i) j++;
    comparisonVector(comparisons, records[i]!, records[j]!, vector);
    for (let c = 0; c < comparisons.length; c++) {
      const level = vector[c]!;
      if (level >= 0) counts[c]![level]!++;
    }
  }
  return counts.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((x) => x / sum);
  });
}

/** Starting m for levels marked "estimate": strong on the first level, falling after. */
function initialM(cmp: Comparison): number[] {
  const k = cmp.levels.length;
  return cmp.levels.map((level, l) => {
    if (level.m !== "estimate") return level.m;
    if (l === 0) return 0.8;
    return 0.2 / (k - 1);
  });
}

/**
 * The comparison vectors as slots of one flat per-level array: comparison c at level l is
 * `offsets[c] + l`, the null level the last slot (`total`), where EM adds nothing that counts.
 */
interface Slots {
  of: Uint8Array | Uint16Array;
  offsets: Int32Array;
  total: number;
}

function slotsOf(u: readonly number[][], vectors: Int8Array): Slots {
  const offsets = new Int32Array(u.length);
  let total = 0;
  u.forEach((row, c) => {
    offsets[c] = total;
    total += row.length;
  });
  const C = u.length;
  const of = total < 255 ? new Uint8Array(vectors.length) : new Uint16Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) {
    const level = vectors[i]!;
    of[i] = level >= 0 ? offsets[i % C]! + level : total;
  }
  return { of, offsets, total };
}

/**
 * The distinct comparison vectors among `pairs`, each with one pair showing it and how many
 * pairs do: EM over patterns costs the same as over pairs and runs in a fraction of the time
 * (a few thousand patterns stand for a million pairs).
 */
function patternsOf(vectors: Int8Array, C: number, pairs: ArrayLike<number>) {
  const index = new Map<string, number>();
  const first: number[] = [];
  const counts: number[] = [];
  let key = "";
  for (let k = 0; k < pairs.length; k++) {
    const base = pairs[k]! * C;
    key = "";
    for (let c = 0; c < C; c++) key += String.fromCharCode(vectors[base + c]! + 66);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, first.length);
      first.push(pairs[k]!);
      counts.push(1);
    } else counts[at]!++;
  }
  return { pairs: first, counts };
}

const rowsOf = (flat: Float64Array, like: readonly number[][], offsets: Int32Array) =>
  like.map((row, c) => Array.from(flat.subarray(offsets[c]!, offsets[c]! + row.length)));

interface EmInput {
  slots: Slots;
  C: number;
  /** Pair indices to use, one per distinct comparison vector, and how many pairs each stands for. */
  pairs: ArrayLike<number>;
  counts: ArrayLike<number>;
  /** Comparisons ignored (blocked on) in this run. */
  skip: boolean[];
  u: number[][];
  m: number[][];
  prior: number;
  /** Whether m / the prior are re-estimated. */
  freeM: boolean;
  freePrior: boolean;
  iterations: number;
  minU: number;
}

/**
 * EM over comparison vectors with u fixed; returns m, prior and expected matches per level.
 * A skipped comparison and the null level weigh exactly 0, so adding them changes no sum.
 */
function em(input: EmInput) {
  const { C, pairs, counts, skip, u } = input;
  const { of, offsets, total } = input.slots;
  let m = input.m.map((row) => [...row]);
  let prior = input.prior;
  const mass = new Float64Array(total + 1);
  const weights = new Float64Array(total + 1);
  const lu = u.map((row) => row.map(Math.log));
  for (let iter = 0; iter < input.iterations; iter++) {
    m.forEach((row, c) => {
      row.forEach((x, l) => {
        weights[offsets[c]! + l] = skip[c] ? 0 : Math.log(Math.max(x, input.minU)) - lu[c]![l]!;
      });
    });
    mass.fill(0);
    const logOdds = Math.log(prior / (1 - prior));
    let pSum = 0;
    let total = 0;
    for (let k = 0; k < pairs.length; k++) {
      const base = pairs[k]! * C;
      const n = counts[k]!;
      let w = logOdds;
      for (let c = 0; c < C; c++) w += weights[of[base + c]!]!;
      const pm = (w > 30 ? 1 : 1 / (1 + Math.exp(-w))) * n;
      pSum += pm;
      total += n;
      for (let c = 0; c < C; c++) mass[of[base + c]!]! += pm;
    }
    if (input.freePrior) prior = Math.min(0.999, Math.max(1e-6, pSum / total));
    if (input.freeM)
      m = rowsOf(mass, m, offsets).map((row, c) => {
        const sum = row.reduce((a, b) => a + b, 0);
        return sum > 0 && !skip[c] ? row.map((x) => Math.max(input.minU, x / sum)) : m[c]!;
      });
  }
  return { m, prior, mass: rowsOf(mass, m, offsets) };
}

/**
 * Fits a model. Fixed m/u come from the config. Levels marked "estimate" get u by random
 * sampling and m by expectation-maximisation over the blocked candidate pairs, the Splink
 * way: one EM run per blocking rule on the candidate pairs that satisfy the rule, with the comparisons on
 * the rule's own fields left out (blocking makes them agree far more often than u says, which
 * would pull EM towards "same block" rather than "same person"); each comparison's m is the
 * average over the runs where it was free, weighted by its expected matches there. The prior
 * ("estimate") is then fitted by EM over all candidate pairs with m and u held, and stated
 * over all pairs of the records (see `MatchingConfig.prior`).
 * `vectors` holds one row of `comparisons.length` levels per candidate pair, `pairIndex` the
 * record indices of each pair (flattened).
 */
export function fitModel(
  config: MatchingConfig,
  records: readonly PreparedRecord[],
  vectors: Int8Array,
  pairIndex: Uint32Array,
): Model {
  const comparisons = config.comparisons;
  const C = comparisons.length;
  const est = config.estimation;
  const needsU = comparisons.some((c) => c.levels.some((l) => l.u === "estimate"));
  const sampled = needsU ? estimateU(comparisons, records, est.uSamplePairs, est.seed) : null;
  const u = comparisons.map((cmp, c) =>
    cmp.levels.map((level, l) => (level.u === "estimate" ? sampled![c]![l]! : level.u)),
  );
  const init = comparisons.map(initialM);
  const slots = slotsOf(u, vectors);
  const count = pairIndex.length / 2;
  const needsM = comparisons.some((c) => c.levels.some((l) => l.m === "estimate"));
  const sums = comparisons.map((cmp) => new Array<number>(cmp.levels.length).fill(0));
  if (needsM) {
    const training = est.trainingRules;
    config.blocking.rules.forEach((rule) => {
      if (training && !training.includes(rule.name)) return;
      const keys = records.map((rec) => ruleKey(rec, rule.keys, rule.unordered));
      const pairs: number[] = [];
      for (let p = 0; p < count; p++) {
        const key = keys[pairIndex[p * 2]!];
        if (key != null && key === keys[pairIndex[p * 2 + 1]!]) pairs.push(p);
      }
      if (pairs.length < 10) return;
      const blocked = new Set(rule.keys.map((k) => k.field));
      const skip = comparisons.map((cmp) => cmp.fields.some((f) => blocked.has(f)));
      const fit = em({
        slots,
        C,
        ...patternsOf(vectors, C, pairs),
        skip,
        u,
        m: init,
        prior: 0.1,
        freeM: true,
        freePrior: true,
        iterations: est.emIterations,
        minU: est.minU,
      });
      // Too few matches among the rule's pairs and EM fits noise (m drifts to u, so a
      // disagreement stops counting against a pair): keep the starting m instead.
      if (fit.prior * pairs.length < est.minTrainingMatches) return;
      fit.mass.forEach((row, c) => {
        if (skip[c]) return;
        row.forEach((x, l) => {
          sums[c]![l]! += x;
        });
      });
    });
  }
  const m = comparisons.map((cmp, c) => {
    const row = sums[c]!;
    const fixed = cmp.levels.reduce((s, l) => s + (l.m === "estimate" ? 0 : l.m), 0);
    const free = cmp.levels.reduce((s, l, i) => s + (l.m === "estimate" ? row[i]! : 0), 0);
    return cmp.levels.map((level, l) => {
      if (level.m !== "estimate") return level.m;
      return free > 0 ? Math.max(est.minU, ((1 - fixed) * row[l]!) / free) : init[c]![l]!;
    });
  });
  const n = records.length;
  const allPairs = Math.max(1, (n * (n - 1)) / 2);
  let prior = config.prior === "estimate" ? Math.min(0.5, n / allPairs) : config.prior;
  if (config.prior === "estimate" && count > 0) {
    const everyPair = Uint32Array.from({ length: count }, (_, i) => i);
    const inCandidates = em({
      slots,
      C,
      ...patternsOf(vectors, C, everyPair),
      skip: comparisons.map(() => false),
      u,
      m,
      prior: 0.1,
      freeM: false,
      freePrior: true,
      iterations: est.emIterations,
      minU: est.minU,
    }).prior;
    // Matches expected among the candidates, as a rate over every pair of records: blocking
    // finds (almost) all matches, and u is a rate over random pairs too.
    prior = Math.min(0.5, Math.max((inCandidates * count) / allPairs, 1 / allPairs));
  }
  return {
    comparisons,
    prior,
    records: n,
    m,
    u,
    minU: est.minU,
    tf: termFrequencies(comparisons, records),
  };
}
