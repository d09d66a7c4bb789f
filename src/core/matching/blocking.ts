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
export function ruleKey(record: PreparedRecord, keys: readonly BlockingKey[]): string | null {
  const parts: string[] = [];
  for (const key of keys) {
    const part = keyPart(record, key);
    if (part == null) return null;
    parts.push(part);
  }
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
  const seen = new Set<number>();
  let out = new Uint32Array(1024);
  let ruleOf = new Uint8Array(512);
  let current = 0;
  let count = 0;
  const stats: BlockingStats = { pairs: 0, oversizedBlocks: 0, perRule: [] };
  const emit = (x: number, y: number) => {
    const i = Math.min(x, y);
    const j = Math.max(x, y);
    const code = i * n + j;
    if (seen.has(code)) return false;
    seen.add(code);
    if (count * 2 + 2 > out.length) {
      const grown = new Uint32Array(out.length * 2);
      grown.set(out);
      out = grown;
      const grownRule = new Uint8Array(ruleOf.length * 2);
      grownRule.set(ruleOf);
      ruleOf = grownRule;
    }
    ruleOf[count] = current;
    out[count * 2] = i;
    out[count * 2 + 1] = j;
    count++;
    return true;
  };
  let sortKeys: string[] | null = null;
  for (const [r, rule] of rules.entries()) {
    current = r;
    const blocks = new Map<string, number[]>();
    records.forEach((r, idx) => {
      const key = ruleKey(r, rule.keys);
      if (key == null) return;
      const block = blocks.get(key);
      if (block) block.push(idx);
      else blocks.set(key, [idx]);
    });
    let added = 0;
    for (const members of blocks.values()) {
      if (members.length < 2) continue;
      if (members.length <= maxBlockSize) {
        for (let x = 0; x < members.length; x++)
          for (let y = x + 1; y < members.length; y++) if (emit(members[x]!, members[y]!)) added++;
        continue;
      }
      stats.oversizedBlocks++;
      sortKeys ??= records.map((r) => sortBy.map((f) => r.values[f] ?? "").join("\u0000"));
      const keys = sortKeys;
      const sorted = [...members].sort((a, b) =>
        keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b,
      );
      for (let x = 0; x < sorted.length; x++)
        for (let y = x + 1; y < Math.min(sorted.length, x + window); y++)
          if (emit(sorted[x]!, sorted[y]!)) added++;
    }
    stats.perRule.push({ name: rule.name, pairs: added });
  }
  stats.pairs = count;
  return { pairs: out.subarray(0, count * 2), rule: ruleOf.subarray(0, count), stats };
}
