import type { Pair } from "../../src/core/matching/index.ts";

export interface Quality {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predicted: number;
}

/** Pairwise quality of predicted pairs against entity labels (pairs sharing an entity). */
export function pairwiseQuality(
  predicted: readonly { a: string; b: string }[],
  entityOf: (id: string) => string,
  ids: readonly string[],
): Quality {
  const sizes = new Map<string, number>();
  for (const id of ids) sizes.set(entityOf(id), (sizes.get(entityOf(id)) ?? 0) + 1);
  let truePairs = 0;
  for (const n of sizes.values()) truePairs += (n * (n - 1)) / 2;
  const tp = predicted.filter((p) => entityOf(p.a) === entityOf(p.b)).length;
  const precision = predicted.length === 0 ? 1 : tp / predicted.length;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predicted: predicted.length };
}

/** All pairs of records sharing a (non-null) key: a deterministic baseline. */
export function exactKeyPairs(
  records: readonly { id: string }[],
  keyOf: (index: number) => string | null,
): { a: string; b: string }[] {
  const groups = new Map<string, string[]>();
  records.forEach((r, i) => {
    const key = keyOf(i);
    if (key == null) return;
    const group = groups.get(key);
    if (group) group.push(r.id);
    else groups.set(key, [r.id]);
  });
  const pairs: { a: string; b: string }[] = [];
  for (const group of groups.values())
    for (let i = 0; i < group.length; i++)
      for (let j = i + 1; j < group.length; j++) pairs.push({ a: group[i]!, b: group[j]! });
  return pairs;
}

export const merged = (pairs: readonly Pair[]) => pairs.filter((p) => p.decision === "merge");

export const show = (label: string, q: Quality) =>
  `${label.padEnd(28)} P=${q.precision.toFixed(4)} R=${q.recall.toFixed(4)} F1=${q.f1.toFixed(4)} (${q.predicted} predicted, ${q.truePairs} true)`;
