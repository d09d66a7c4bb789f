import type { Comparison, LevelTest, MatchingConfig } from "./config.ts";
import { formalName, normalizeField } from "./normalize.ts";
import {
  damerauLevenshtein,
  jaroWinkler,
  jaroWinklerPrefixes,
  metaphoneMatch,
  sameChars,
} from "./similarity.ts";

export type FieldValues = Partial<Record<string, string | null>>;

/** A record with every field normalized once (see `normalizeField`). */
export interface PreparedRecord {
  id: string;
  values: Record<string, string | null>;
}

export function prepareRecord(
  record: { id: string; fields: FieldValues },
  config: MatchingConfig,
): PreparedRecord {
  const options = {
    providers: config.email.providers,
    defaultCountry: config.phone.defaultCountry,
  };
  const values: Record<string, string | null> = {};
  for (const [field, value] of Object.entries(record.fields))
    values[field] = normalizeField(field, value, options);
  return { id: record.id, values };
}

/** Length of an email's local part (what `email.slice(0, email.lastIndexOf("@"))` keeps). */
const localLength = (email: string) => {
  const at = email.lastIndexOf("@");
  return at >= 0 ? at : Math.max(0, email.length - 1);
};

/** Whether two non-blank normalized values pass one level's test (without allocating). */
export function passes(test: LevelTest, field: string, a: string, b: string): boolean {
  switch (test.type) {
    case "exact":
      return a === b;
    case "nickname":
      return field === "firstName" && formalName(a) === formalName(b);
    case "metaphone":
      return metaphoneMatch(a, b);
    case "jaroWinkler":
      return (
        (!test.sameDigits || sameDigits(a, a.length, b, b.length)) &&
        jaroWinkler(a, b) >= test.threshold
      );
    case "levenshtein":
      return damerauLevenshtein(a, b, test.maxDistance) <= test.maxDistance;
    case "prefix":
      return (
        a.length >= test.length && b.length >= test.length && sameChars(a, 0, b, 0, test.length)
      );
    case "suffix":
      return (
        a.length >= test.length &&
        b.length >= test.length &&
        sameChars(a, a.length - test.length, b, b.length - test.length, test.length)
      );
    case "emailLocal": {
      const la = localLength(a);
      return la === localLength(b) && sameChars(a, 0, b, 0, la);
    }
    case "emailLocalJaroWinkler": {
      const la = localLength(a);
      const lb = localLength(b);
      return (
        (!test.sameDigits || sameDigits(a, la, b, lb)) &&
        jaroWinklerPrefixes(a, la, b, lb) >= test.threshold
      );
    }
    case "swapped":
      return false;
    case "else":
      return true;
  }
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/** Whether the first `la` characters of `a` and the first `lb` of `b` hold the same digits in the same order. */
export function sameDigits(a: string, la: number, b: string, lb: number): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < la && !isDigit(a.charCodeAt(i))) i++;
    while (j < lb && !isDigit(b.charCodeAt(j))) j++;
    if (i >= la || j >= lb) return i >= la && j >= lb;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
    i++;
    j++;
  }
}

/** A `swapped` level: this comparison's value against the other record's `test.field`, either way round. */
function swappedPasses(
  test: Extract<LevelTest, { type: "swapped" }>,
  field: string,
  a: PreparedRecord,
  b: PreparedRecord,
): boolean {
  const a1 = a.values[field];
  const b1 = b.values[field];
  const a2 = a.values[test.field];
  const b2 = b.values[test.field];
  const near = (x: string | null | undefined, y: string | null | undefined) =>
    x != null &&
    y != null &&
    x.charCodeAt(0) === y.charCodeAt(0) &&
    jaroWinkler(x, y) >= test.threshold;
  return near(a1, b2) || near(b1, a2);
}

/** Level index of the pair for one comparison, or -1 (null level) when a side is blank. */
export function comparisonLevel(cmp: Comparison, a: PreparedRecord, b: PreparedRecord): number {
  let best = -1;
  for (const fa of cmp.fields) {
    const va = a.values[fa];
    if (va == null) continue;
    for (const fb of cmp.fields) {
      const vb = b.values[fb];
      if (vb == null) continue;
      const limit = best === -1 ? cmp.levels.length : best;
      for (let l = 0; l < limit; l++) {
        const when = cmp.levels[l]!.when;
        if (when.type === "swapped" ? swappedPasses(when, fa, a, b) : passes(when, fa, va, vb)) {
          best = l;
          break;
        }
      }
      if (best === 0) return 0;
    }
  }
  return best;
}

/** The exact-level value a term-frequency adjustment looks up, when the pair has one. */
export function exactValue(cmp: Comparison, a: PreparedRecord, b: PreparedRecord): string | null {
  const { fields } = cmp;
  if (fields.length === 1) {
    const v = a.values[fields[0]!];
    return v != null && v === b.values[fields[0]!] ? v : null;
  }
  let found: string | null = null;
  for (const f of fields) {
    const v = a.values[f];
    if (v != null && fields.some((g) => b.values[g] === v) && (found == null || v < found))
      found = v;
  }
  return found;
}

/** Comparison vector: one level index per comparison (-1 = null), written to `out` from `at`. */
export function comparisonVector(
  comparisons: readonly Comparison[],
  a: PreparedRecord,
  b: PreparedRecord,
  out: Int8Array = new Int8Array(comparisons.length),
  at = 0,
): Int8Array {
  for (let c = 0; c < comparisons.length; c++) out[at + c] = comparisonLevel(comparisons[c]!, a, b);
  return out;
}
