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
      return jaroWinkler(a, b) >= test.threshold;
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
    case "emailLocalJaroWinkler":
      return jaroWinklerPrefixes(a, localLength(a), b, localLength(b)) >= test.threshold;
    case "else":
      return true;
  }
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
        if (passes(cmp.levels[l]!.when, fa, va, vb)) {
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
  let found: string | null = null;
  for (const f of cmp.fields) {
    const v = a.values[f];
    if (v != null && cmp.fields.some((g) => b.values[g] === v) && (found == null || v < found))
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
