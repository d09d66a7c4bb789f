import { doubleMetaphone } from "double-metaphone";
import jaroWinklerRaw from "jaro-winkler";

/** Standard Jaro-Winkler similarity, made exactly symmetric by ordering the arguments. */
export const jaroWinkler = (a: string, b: string): number =>
  a === b ? 1 : a < b ? jaroWinklerRaw(a, b) : jaroWinklerRaw(b, a);

/**
 * Optimal-string-alignment Damerau-Levenshtein distance, giving up (returning max + 1) as
 * soon as the distance must exceed `max`.
 */
export function damerauLevenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

const metaphoneCache = new Map<string, readonly [string, string]>();

/** Double-metaphone codes (primary, alternate), cached. */
export function metaphone(s: string): readonly [string, string] {
  let codes = metaphoneCache.get(s);
  if (!codes) {
    codes = doubleMetaphone(s);
    if (metaphoneCache.size > 200_000) metaphoneCache.clear();
    metaphoneCache.set(s, codes);
  }
  return codes;
}

export function metaphoneMatch(a: string, b: string): boolean {
  const [a1, a2] = metaphone(a);
  const [b1, b2] = metaphone(b);
  return a1 !== "" && (a1 === b1 || a1 === b2 || a2 === b1 || (a2 !== "" && a2 === b2));
}
