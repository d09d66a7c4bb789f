import type { Comparison, LevelTest, MatchingConfig } from "./config.ts";
import { formalName, normalizeField } from "./normalize.ts";
import { damerauLevenshtein, jaroWinkler, metaphoneMatch } from "./similarity.ts";

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

const local = (email: string) => email.slice(0, email.lastIndexOf("@"));

/** Whether two non-blank normalized values pass one level's test. */
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
      return a.length >= test.length && a.slice(0, test.length) === b.slice(0, test.length);
    case "suffix":
      return a.length >= test.length && a.slice(-test.length) === b.slice(-test.length);
    case "emailLocal":
      return local(a) === local(b);
    case "emailLocalJaroWinkler":
      return jaroWinkler(local(a), local(b)) >= test.threshold;
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

/** Comparison vector: one level index per comparison (-1 = null). */
export function comparisonVector(
  comparisons: readonly Comparison[],
  a: PreparedRecord,
  b: PreparedRecord,
  out: Int8Array = new Int8Array(comparisons.length),
): Int8Array {
  for (let c = 0; c < comparisons.length; c++) out[c] = comparisonLevel(comparisons[c]!, a, b);
  return out;
}
