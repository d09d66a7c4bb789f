import { type BlockingStats, candidatePairs } from "./blocking.ts";
import { comparisonVector, type PreparedRecord, prepareRecord } from "./compare.ts";
import type { MatchingConfig } from "./config.ts";
import { fitModel } from "./estimate.ts";
import { type Decision, decide, type Evidence, type Model, score } from "./fellegi-sunter.ts";

export type { MatchingConfig } from "./config.ts";
export { parseMatchingConfig } from "./config.ts";
export type { Decision, Evidence, Model } from "./fellegi-sunter.ts";

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

export interface MatchResult {
  pairs: Pair[];
  model: Model;
  blocking: BlockingStats;
  /** Scores any two records with the fitted model (evidence included). */
  scorePair(a: MatchRecord, b: MatchRecord): Omit<Pair, "a" | "b">;
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
      vectors.subarray(p * C, p * C + C),
    );
  const model = fitModel(config, prepared, vectors, index);
  const pairs: Pair[] = [];
  for (let p = 0; p < count; p++) {
    const a = prepared[index[p * 2]!]!;
    const b = prepared[index[p * 2 + 1]!]!;
    const vector = vectors.subarray(p * C, p * C + C);
    const quick = score(model, vector, a, b, false);
    const decision = decide(quick.probability, config);
    if (decision === "distinct" && !includeDistinct) continue;
    const full = score(model, vector, a, b, true);
    pairs.push({ a: a.id, b: b.id, ...full, decision });
  }
  const scorePair = (x: MatchRecord, y: MatchRecord) =>
    scorePrepared(model, config, prepareRecord(x, config), prepareRecord(y, config));
  return { pairs, model, blocking: stats, scorePair };
}

function scorePrepared(model: Model, config: MatchingConfig, a: PreparedRecord, b: PreparedRecord) {
  const s = score(model, comparisonVector(config.comparisons, a, b), a, b, true);
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
