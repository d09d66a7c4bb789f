import type { PreparedRecord } from "./compare.ts";
import type { BlockingKey, MatchingConfig } from "./config.ts";
import { metaphone } from "./similarity.ts";

/** One blocking key part of a record, or null when the field is blank. */
export function keyPart(record: PreparedRecord, key: BlockingKey): string | null {
  const v = record.values[key.field];
  if (v == null || v === "") return null;
  switch (key.transform) {
    case "exact":
      return v;
    case "metaphone":
      return metaphone(v)[0] || null;
    case "prefix":
      return v.slice(0, key.length ?? 3);
    case "initial":
      return v.slice(0, 1);
    case "last":
      return v.slice(-(key.length ?? 4));
    case "emailLocal":
      return v.slice(0, v.lastIndexOf("@")) || null;
  }
}

/** A record's key under one blocking rule, or null when a part is blank. */
export function ruleKey(
  record: PreparedRecord,
  keys: readonly BlockingKey[],
  unordered = false,
): string | null {
  if (keys.length === 1) return keyPart(record, keys[0]!);
  const parts: string[] = [];
  for (const key of keys) {
    const part = keyPart(record, key);
    if (part == null) return null;
    parts.push(part);
  }
  if (unordered) parts.sort();
  return parts.join("\u0000");
}

export interface BlockingStats {
  /** Candidate pairs after the union over rules. */
  pairs: number;
  /** Blocks above maxBlockSize, sub-blocked by a sorted-neighbourhood window. */
  oversizedBlocks: number;
  perRule: { name: string; pairs: number }[];
}

/**
 * Candidate pairs (as index pairs i < j, flattened, with the index of the first rule that
 * produced each) from the union of the blocking rules.
 * Each rule groups records by its key; a block up to `maxBlockSize` yields all its pairs, a
 * larger one only pairs within `window` of each other once sorted by `sortBy`. Cost grows with
 * the records times the block cap, never with all pairs.
 */
export function candidatePairs(
  records: readonly PreparedRecord[],
  config: MatchingConfig,
): { pairs: Uint32Array; rule: Uint8Array; stats: BlockingStats } {
  const { rules, maxBlockSize, window, sortBy } = config.blocking;
  const n = records.length;
  // Each pair as one number, (i * n + j) * 256 + rule: sorted, the first of equal pairs is
  // the first rule that produced it. Cheaper than a set of pairs at a million records.
  let codes = new Float64Array(1024);
  let count = 0;
  const stats: BlockingStats = { pairs: 0, oversizedBlocks: 0, perRule: [] };
  let current = 0;
  const emit = (x: number, y: number) => {
    if (count === codes.length) {
      const grown = new Float64Array(codes.length * 2);
      grown.set(codes);
      codes = grown;
    }
    codes[count++] = ((x < y ? x : y) * n + (x < y ? y : x)) * 256 + current;
  };
  let sortKeys: string[] | null = null;
  for (const [r, rule] of rules.entries()) {
    current = r;
    const blocks = new Map<string, number[]>();
    for (let idx = 0; idx < n; idx++) {
      const key = ruleKey(records[idx]!, rule.keys, rule.unordered);
      if (key == null) continue;
      const block = blocks.get(key);
      if (block) block.push(idx);
      else blocks.set(key, [idx]);
    }
    for (const members of blocks.values()) {
      if (members.length < 2) continue;
      if (members.length <= (rule.maxBlockSize ?? maxBlockSize)) {
        for (let x = 0; x < members.length; x++)
          for (let y = x + 1; y < members.length; y++) emit(members[x]!, members[y]!);
        continue;
      }
      stats.oversizedBlocks++;
      const width = rule.window ?? window;
      if (width < 2) continue;
      sortKeys ??= records.map((r) => sortBy.map((f) => r.values[f] ?? "").join("\u0000"));
      const keys = sortKeys;
      const sorted = [...members].sort((a, b) =>
        keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b,
      );
      for (let x = 0; x < sorted.length; x++)
        for (let y = x + 1; y < Math.min(sorted.length, x + width); y++)
          emit(sorted[x]!, sorted[y]!);
    }
  }
  const all = codes.subarray(0, count).sort();
  const out = new Uint32Array(count * 2);
  const ruleOf = new Uint8Array(count);
  const perRule = new Array<number>(rules.length).fill(0);
  let unique = 0;
  let last = -1;
  for (let k = 0; k < all.length; k++) {
    const pair = Math.floor(all[k]! / 256);
    if (pair === last) continue;
    last = pair;
    const r = all[k]! - pair * 256;
    const i = Math.floor(pair / n);
    out[unique * 2] = i;
    out[unique * 2 + 1] = pair - i * n;
    ruleOf[unique] = r;
    perRule[r]!++;
    unique++;
  }
  stats.pairs = unique;
  stats.perRule = rules.map((rule, r) => ({ name: rule.name, pairs: perRule[r]! }));
  return { pairs: out.subarray(0, unique * 2), rule: ruleOf.subarray(0, unique), stats };
}
