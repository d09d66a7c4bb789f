import { exactValue, type PreparedRecord } from "./compare.ts";
import type { Comparison, MatchingConfig } from "./config.ts";

/** One line of a score's explanation; the weights of a score's evidence sum to its weight. */
export interface Evidence {
  field: string;
  level: string;
  weight: number;
}

/**
 * Fitted Fellegi-Sunter parameters: m[c][l], u[c][l] and the prior, the probability that two
 * of the `records` records drawn at random are one person.
 */
export interface Model {
  comparisons: readonly Comparison[];
  prior: number;
  /** Records the model was fitted on. */
  records: number;
  m: number[][];
  u: number[][];
  minU: number;
  /** Per comparison with `termFrequency`: share of records holding each value. */
  tf: (Map<string, number> | null)[];
}

export const log2 = Math.log2;
export const priorWeight = (prior: number) => log2(prior / (1 - prior));
export const weightToProbability = (w: number) => {
  const odds = 2 ** w;
  return Number.isFinite(odds) ? odds / (1 + odds) : 1;
};
export const probabilityToWeight = (p: number) => log2(p / (1 - p));

/**
 * The model for a population of `records` records: each record has about as many matches
 * as in the fitted one, so the chance that two random records match scales with 1/records.
 */
export function forPopulation(model: Model, records: number): Model {
  if (records <= model.records || model.records < 2) return model;
  return { ...model, prior: (model.prior * (model.records - 1)) / (records - 1), records };
}

/** Term frequencies of each `termFrequency` comparison's values over the records. */
export function termFrequencies(
  comparisons: readonly Comparison[],
  records: readonly PreparedRecord[],
): (Map<string, number> | null)[] {
  return comparisons.map((cmp) => {
    if (!cmp.termFrequency) return null;
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of records)
      for (const f of cmp.fields) {
        const v = r.values[f];
        if (v == null) continue;
        counts.set(v, (counts.get(v) ?? 0) + 1);
        total++;
      }
    for (const [v, n] of counts) counts.set(v, n / Math.max(total, 1));
    return counts;
  });
}

const clamp = (p: number, min: number) => Math.min(1, Math.max(min, p));

/** The weight of one comparison level: log2(m/u), u replaced by the value's frequency on exact. */
export function levelWeight(model: Model, c: number, level: number, value: string | null): number {
  if (level < 0) return 0;
  const m = clamp(model.m[c]![level]!, model.minU);
  let u = clamp(model.u[c]![level]!, model.minU);
  const tf = model.tf[c];
  const cmp = model.comparisons[c]!;
  if (tf && value != null && cmp.levels[level]!.when.type === "exact") {
    const freq = tf.get(value);
    if (freq !== undefined) u = clamp(freq, model.minU);
  }
  return log2(m / u);
}

/** The total weight of a comparison vector (read from `vector` at `at`), as `score` sums it. */
export function weightOf(
  model: Model,
  vector: Int8Array,
  a: PreparedRecord,
  b: PreparedRecord,
  at = 0,
): number {
  let weight = priorWeight(model.prior);
  for (let c = 0; c < model.comparisons.length; c++) {
    const level = vector[at + c]!;
    if (level < 0) continue;
    const value = model.tf[c] ? exactValue(model.comparisons[c]!, a, b) : null;
    weight += levelWeight(model, c, level, value);
  }
  return weight;
}

export interface Score {
  weight: number;
  probability: number;
  evidence: Evidence[];
}

/**
 * Scores a comparison vector (read from `vector` at `at`); evidence starts with the prior
 * and has one line per comparison.
 */
export function score(
  model: Model,
  vector: Int8Array,
  a: PreparedRecord,
  b: PreparedRecord,
  withEvidence = true,
  at = 0,
): Score {
  let weight = priorWeight(model.prior);
  const evidence: Evidence[] = withEvidence ? [{ field: "prior", level: "prior", weight }] : [];
  for (let c = 0; c < model.comparisons.length; c++) {
    const cmp = model.comparisons[c]!;
    const level = vector[at + c]!;
    const value = level >= 0 && model.tf[c] ? exactValue(cmp, a, b) : null;
    const w = levelWeight(model, c, level, value);
    weight += w;
    if (withEvidence)
      evidence.push({
        field: cmp.name ?? cmp.fields[0]!,
        level: level < 0 ? "null" : cmp.levels[level]!.name,
        weight: w,
      });
  }
  return { weight, probability: weightToProbability(weight), evidence };
}

export type Decision = "merge" | "review" | "distinct";

export function decide(probability: number, config: MatchingConfig): Decision {
  if (probability >= config.thresholds.autoMerge) return "merge";
  if (probability >= config.thresholds.review) return "review";
  return "distinct";
}
