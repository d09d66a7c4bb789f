import { type BlockingStats, candidatePairs } from "./blocking.ts";
import { comparisonVector, type PreparedRecord, prepareRecord } from "./compare.ts";
import type { MatchingConfig } from "./config.ts";
import { fitModel } from "./estimate.ts";
import {
  type Decision,
  decide,
  type Evidence,
  type Model,
  score,
  weightOf,
  weightToProbability,
} from "./fellegi-sunter.ts";

export type { PreparedRecord } from "./compare.ts";
export { prepareRecord } from "./compare.ts";
export type { MatchingConfig } from "./config.ts";
export { parseMatchingConfig } from "./config.ts";
export type { Decision, Evidence, Model } from "./fellegi-sunter.ts";
export { forPopulation } from "./fellegi-sunter.ts";

/**
 * A record to match: canonical contact fields (email, firstName, lastName, phone, mobilePhone,
 * company, street, city, state, postalCode, country, birthDate, ...) plus `nationalId`.
 */
export interface MatchRecord {
  id: string;
  fields: Partial<Record<string, string | null>>;
}

export interface Pair {
  a: string;
  b: string;
  probability: number;
  /** Total match weight (log2 odds); equals the sum of the evidence weights. */
  weight: number;
  decision: Decision;
  evidence: Evidence[];
}

export interface MatchOptions {
  /** Also return candidate pairs judged distinct (default true). */
  includeDistinct?: boolean;
}

export interface MatchResult extends FittedMatcher {
  pairs: Pair[];
}

/** A model fitted on some records, ready to score any two. */
export interface FittedMatcher {
  model: Model;
  blocking: BlockingStats;
  /** Scores any two records with the fitted model (evidence included). */
  scorePair(a: MatchRecord, b: MatchRecord): Omit<Pair, "a" | "b">;
  /**
   * Scores two records prepared once (`prepareRecord`), for a record compared with many;
   * without `withEvidence` the evidence is left empty (probability and weight are the same).
   */
  scorePrepared(
    a: PreparedRecord,
    b: PreparedRecord,
    withEvidence?: boolean,
  ): Omit<Pair, "a" | "b">;
}

/** What a fit yields: plain data, so it can be made in another thread and sent back. */
export interface FittedModel {
  model: Model;
  blocking: BlockingStats;
}

/** A scorer over a fitted model. */
export function matcherOf({ model, blocking }: FittedModel, config: MatchingConfig): FittedMatcher {
  const scorePrepared = (a: PreparedRecord, b: PreparedRecord, withEvidence = true) =>
    scoreWith(model, config, a, b, withEvidence);
  const scorePair = (x: MatchRecord, y: MatchRecord) =>
    scorePrepared(prepareRecord(x, config), prepareRecord(y, config));
  return { model, blocking, scorePair, scorePrepared };
}

/** Blocks and fits the Fellegi-Sunter model (fixed or estimated m/u, see `fitModel`). */
function blockAndFit(records: readonly MatchRecord[], config: MatchingConfig) {
  const prepared = records.map((r) => prepareRecord(r, config));
  const { pairs: index, stats } = candidatePairs(prepared, config);
  const C = config.comparisons.length;
  const count = index.length / 2;
  const vectors = new Int8Array(count * C);
  for (let p = 0; p < count; p++)
    comparisonVector(
      config.comparisons,
      prepared[index[p * 2]!]!,
      prepared[index[p * 2 + 1]!]!,
      vectors,
      p * C,
    );
  const model = fitModel(config, prepared, vectors, index);
  const matcher = matcherOf({ model, blocking: stats }, config);
  return { matcher, prepared, index, vectors };
}

/** Fits the model on the records without scoring their candidate pairs (see `matchRecords`). */
export const fitRecords = (
  records: readonly MatchRecord[],
  config: MatchingConfig,
): FittedMatcher => blockAndFit(records, config).matcher;

/** `fitRecords` as plain data (for a fit made in another thread). */
export function fitModelOf(records: readonly MatchRecord[], config: MatchingConfig): FittedModel {
  const { model, blocking } = fitRecords(records, config);
  return { model, blocking };
}

/**
 * Blocks, fits the Fellegi-Sunter model (fixed or estimated m/u, see `fitModel`) and scores
 * every candidate pair.
 */
export function matchRecords(
  records: readonly MatchRecord[],
  config: MatchingConfig,
  options: MatchOptions = {},
): MatchResult {
  const includeDistinct = options.includeDistinct ?? true;
  const { matcher, prepared, index, vectors } = blockAndFit(records, config);
  const { model } = matcher;
  const C = config.comparisons.length;
  const pairs: Pair[] = [];
  for (let p = 0; p < index.length / 2; p++) {
    const a = prepared[index[p * 2]!]!;
    const b = prepared[index[p * 2 + 1]!]!;
    const decision = decide(weightToProbability(weightOf(model, vectors, a, b, p * C)), config);
    if (decision === "distinct" && !includeDistinct) continue;
    const full = score(model, vectors, a, b, true, p * C);
    pairs.push({ a: a.id, b: b.id, ...full, decision });
  }
  return { pairs, ...matcher };
}

function scoreWith(
  model: Model,
  config: MatchingConfig,
  a: PreparedRecord,
  b: PreparedRecord,
  withEvidence: boolean,
) {
  const s = score(model, comparisonVector(config.comparisons, a, b), a, b, withEvidence);
  return { ...s, decision: decide(s.probability, config) };
}

/** Scored candidate pairs of the records (see `matchRecords`). */
export function findCandidatePairs(
  records: readonly MatchRecord[],
  config: MatchingConfig,
  options?: MatchOptions,
): Pair[] {
  return matchRecords(records, config, options).pairs;
}

/** Groups of two or more ids joined by merge decisions (union-find, transitive). */
export function clusters(pairs: readonly Pair[]): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  for (const { a, b, decision } of pairs) {
    if (decision !== "merge") continue;
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const groups = new Map<string, string[]>();
  for (const id of parent.keys()) {
    const root = find(id);
    const group = groups.get(root);
    if (group) group.push(id);
    else groups.set(root, [id]);
  }
  return [...groups.values()].map((g) => g.sort()).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}
