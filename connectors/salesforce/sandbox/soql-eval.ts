/** Evaluates a parsed SOQL query over stored records: filter, sort, limit. */
import { equalityKey } from "./lookup.ts";
import type { FieldDef, FieldValue, StoredRecord } from "./schema.ts";
import { sameId } from "./schema.ts";
import type { Condition, Literal, SoqlQuery } from "./soql.ts";

type InCondition = Extract<Condition, { op: "in" }>;
const inKeys = new WeakMap<InCondition, Set<string | undefined>>();

/** A text value is IN the list when its equality key is among the keys of the text literals. */
function keysOf(cond: InCondition): Set<string | undefined> {
  let keys = inKeys.get(cond);
  if (!keys) {
    keys = new Set();
    for (const lit of cond.values) {
      const key = equalityKey(cond.field, literalValue(lit));
      if (key !== undefined) keys.add(key);
    }
    inKeys.set(cond, keys);
  }
  return keys;
}

function literalValue(lit: Literal): FieldValue {
  return lit.kind === "null" ? null : lit.value;
}

/** Compares two values of one field; strings case-insensitively, ids by their first 15 chars. */
function compare(def: FieldDef, a: FieldValue, b: FieldValue): number {
  if (
    (def.type === "id" || def.type === "reference") &&
    typeof a === "string" &&
    typeof b === "string"
  ) {
    return sameId(a, b) ? 0 : a < b ? -1 : 1;
  }
  if (typeof a === "string" && typeof b === "string") {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return (a as number) - (b as number);
}

function matches(cond: Condition, record: StoredRecord): boolean {
  switch (cond.op) {
    case "and":
      return cond.terms.every((t) => matches(t, record));
    case "or":
      return cond.terms.some((t) => matches(t, record));
    case "not":
      return !matches(cond.term, record);
    case "like": {
      const v = record[cond.field.name];
      return typeof v === "string" && cond.pattern.test(v);
    }
    case "in": {
      const v = record[cond.field.name] ?? null;
      const hit =
        typeof v === "string"
          ? keysOf(cond).has(equalityKey(cond.field, v))
          : cond.values.some((lit) => {
              const w = literalValue(lit);
              return v === null || w === null ? v === w : compare(cond.field, v, w) === 0;
            });
      return cond.negate ? !hit : hit;
    }
    case "cmp": {
      const v = record[cond.field.name] ?? null;
      const w = literalValue(cond.value);
      if (cond.cmp === "=")
        return v === null || w === null ? v === w : compare(cond.field, v, w) === 0;
      if (cond.cmp === "!=")
        return v === null || w === null ? v !== w : compare(cond.field, v, w) !== 0;
      if (v === null || w === null) return false;
      const c = compare(cond.field, v, w);
      return cond.cmp === "<"
        ? c < 0
        : cond.cmp === "<="
          ? c <= 0
          : cond.cmp === ">"
            ? c > 0
            : c >= 0;
    }
  }
}

/** Filters, sorts and limits; returns the matching stored records. */
export function runSoql(query: SoqlQuery, records: StoredRecord[]): StoredRecord[] {
  const out = query.where ? records.filter((r) => matches(query.where!, r)) : [...records];
  if (query.orderBy.length > 0) {
    out.sort((a, b) => {
      for (const { field, desc, nullsLast } of query.orderBy) {
        const x = a[field.name] ?? null;
        const y = b[field.name] ?? null;
        if (x === null && y === null) continue;
        if (x === null) return nullsLast ? 1 : -1;
        if (y === null) return nullsLast ? -1 : 1;
        const c = compare(field, x, y);
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    });
  }
  return query.limit === undefined ? out : out.slice(0, query.limit);
}
