import { doubleMetaphone } from "double-metaphone";

// Match flags of the two strings, reused by every call (grown on demand).
let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

function flagBuffers(la: number, lb: number) {
  if (flagsA.length < la) flagsA = new Uint8Array(la * 2);
  if (flagsB.length < lb) flagsB = new Uint8Array(lb * 2);
  for (let i = 0; i < la; i++) flagsA[i] = 0;
  for (let j = 0; j < lb; j++) flagsB[j] = 0;
}

/** Whether `len` characters of `a` from `ia` equal those of `b` from `ib`. */
export function sameChars(a: string, ia: number, b: string, ib: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a.charCodeAt(ia + k) !== b.charCodeAt(ib + k)) return false;
  return true;
}

/** Order of the first `la` characters of `a` and the first `lb` of `b`, as `<` orders strings. */
function comparePrefixes(a: string, la: number, b: string, lb: number): number {
  const n = Math.min(la, lb);
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(k) - b.charCodeAt(k);
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * Jaro-Winkler of the first `la` characters of `a` and the first `lb` of `b` in the order
 * given, exactly as the `jaro-winkler` package computes it (its window, greedy matching,
 * transposition count and arithmetic, so results agree to the bit), without allocating.
 */
export function jaroWinklerOrdered(a: string, la: number, b: string, lb: number): number {
  if (la === 0 || lb === 0) return 0;
  if (la === lb && sameChars(a, 0, b, 0, la)) return 1;
  flagBuffers(la, lb);
  const range = Math.floor(Math.max(la, lb) / 2) - 1;
  let m = 0;
  for (let i = 0; i < la; i++) {
    const low = i >= range ? i - range : 0;
    const high = i + range <= lb - 1 ? i + range : lb - 1;
    const c = a.charCodeAt(i);
    for (let j = low; j <= high; j++)
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        m++;
        flagsA[i] = 1;
        flagsB[j] = 1;
        break;
      }
  }
  if (m === 0) return 0;
  let k = 0;
  let transpositions = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    let j = k;
    while (j < lb && flagsB[j] === 0) j++;
    k = j + 1;
    if (j >= lb || a.charCodeAt(i) !== b.charCodeAt(j)) transpositions++;
  }
  let weight = (m / la + m / lb + (m - transpositions / 2) / m) / 3;
  if (weight > 0.7) {
    const max = Math.min(4, la, lb);
    let l = 0;
    while (l < max && a.charCodeAt(l) === b.charCodeAt(l)) l++;
    weight = weight + l * 0.1 * (1 - weight);
  }
  return weight;
}

// The last pair asked for: a comparison's levels test one pair at several thresholds.
let lastA = "";
let lastB = "";
let lastLa = -1;
let lastLb = -1;
let lastValue = 0;

/**
 * Jaro-Winkler of the first `la` characters of `a` and the first `lb` of `b` (an email's
 * local parts), made exactly symmetric by ordering the arguments.
 */
export function jaroWinklerPrefixes(a: string, la: number, b: string, lb: number): number {
  if (la === lastLa && lb === lastLb && a === lastA && b === lastB) return lastValue;
  const order = comparePrefixes(a, la, b, lb);
  const value =
    order === 0
      ? 1
      : order < 0
        ? jaroWinklerOrdered(a, la, b, lb)
        : jaroWinklerOrdered(b, lb, a, la);
  lastA = a;
  lastB = b;
  lastLa = la;
  lastLb = lb;
  lastValue = value;
  return value;
}

/** Standard Jaro-Winkler similarity, made exactly symmetric by ordering the arguments. */
export const jaroWinkler = (a: string, b: string): number =>
  jaroWinklerPrefixes(a, a.length, b, b.length);

// Three rows of the distance table, reused by every call (grown on demand).
let rows = new Int32Array(3 * 32);

/**
 * Optimal-string-alignment Damerau-Levenshtein distance, giving up (returning max + 1) as
 * soon as the distance must exceed `max`.
 */
export function damerauLevenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  const w = n + 1;
  if (rows.length < 3 * w) rows = new Int32Array(6 * w);
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j <= n; j++) rows[prev + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[cur] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let v = Math.min(rows[prev + j]! + 1, rows[cur + j - 1]! + 1, rows[prev + j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        v = Math.min(v, rows[prev2 + j - 2]! + 1);
      rows[cur + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const spare = prev2;
    prev2 = prev;
    prev = cur;
    cur = spare;
  }
  return rows[prev + n]!;
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
