/**
 * Equality lookups for the simulated org. Ids, lookups, emails, external ids and unique fields
 * are indexed on every write, so a `=`/`IN` filter on them costs O(records asked), not a scan
 * of the object. Keys follow SOQL equality: ids by their first 15 characters, text lower-cased.
 */
import {
  FIELD_CATALOG,
  type FieldDef,
  type FieldValue,
  type SObjectType,
  type StoredRecord,
} from "./schema.ts";
import type { Condition } from "./soql.ts";

/** The key SOQL `=` finds `value` under in `def`; undefined when no stored value can equal it. */
export function equalityKey(def: FieldDef, value: FieldValue): string | undefined {
  if (typeof value !== "string") return undefined;
  if (def.type === "id" || def.type === "reference")
    return value.length >= 15 ? value.slice(0, 15) : undefined;
  return value.toLowerCase();
}

export function isIndexed(def: FieldDef): boolean {
  return (
    def.type === "id" ||
    def.type === "reference" ||
    def.type === "email" ||
    def.externalId === true ||
    def.unique === true
  );
}

const INDEXED = Object.fromEntries(
  Object.entries(FIELD_CATALOG).map(([type, defs]) => [type, [...defs.values()].filter(isIndexed)]),
) as Record<SObjectType, FieldDef[]>;

/** Index keys whose records include every record `where` can match, or undefined: scan. */
export interface Lookup {
  field: FieldDef;
  keys: string[];
}

export function lookupsFor(where: Condition | undefined): Lookup[] | undefined {
  if (!where) return undefined;
  switch (where.op) {
    case "cmp": {
      if (where.cmp !== "=" || !isIndexed(where.field) || where.value.kind !== "string")
        return undefined;
      const key = equalityKey(where.field, where.value.value);
      return [{ field: where.field, keys: key === undefined ? [] : [key] }];
    }
    case "in": {
      if (where.negate || !isIndexed(where.field)) return undefined;
      const keys: string[] = [];
      for (const lit of where.values) {
        if (lit.kind !== "string") return undefined;
        const key = equalityKey(where.field, lit.value);
        if (key !== undefined) keys.push(key);
      }
      return [{ field: where.field, keys }];
    }
    case "and": {
      const narrowest = where.terms
        .map(lookupsFor)
        .filter((l): l is Lookup[] => l !== undefined)
        .sort((a, b) => size(a) - size(b))[0];
      return narrowest;
    }
    case "or": {
      const each = where.terms.map(lookupsFor);
      return each.every((l) => l !== undefined) ? each.flat() : undefined;
    }
    default:
      return undefined;
  }
}

const size = (lookups: Lookup[]) => lookups.reduce((n, l) => n + l.keys.length, 0);

/** Ids by (object, field, key), and each live record's place in the object's scan order. */
export class RecordIndex {
  private readonly ids = new Map<string, Set<string>>();
  private readonly position = new Map<string, number>();
  private inserted = 0;

  insert(type: SObjectType, record: StoredRecord): void {
    this.position.set(record.Id as string, this.inserted++);
    this.keys(type, record, (set) => set.add(record.Id as string));
  }

  replace(type: SObjectType, before: StoredRecord, after: StoredRecord): void {
    this.keys(type, before, (set) => set.delete(before.Id as string));
    this.keys(type, after, (set) => set.add(after.Id as string));
  }

  delete(type: SObjectType, record: StoredRecord): void {
    this.position.delete(record.Id as string);
    this.keys(type, record, (set) => set.delete(record.Id as string));
  }

  /** Ids of the records under these keys, in the order a scan of the object meets them. */
  find(type: SObjectType, lookups: Lookup[]): string[] {
    const found = new Set<string>();
    for (const { field, keys } of lookups)
      for (const key of keys)
        for (const id of this.ids.get(slot(type, field.name, key)) ?? []) found.add(id);
    return [...found].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
  }

  private keys(type: SObjectType, record: StoredRecord, apply: (set: Set<string>) => void): void {
    for (const def of INDEXED[type]) {
      const key = equalityKey(def, record[def.name] ?? null);
      if (key === undefined) continue;
      const at = slot(type, def.name, key);
      let set = this.ids.get(at);
      if (!set) {
        set = new Set();
        this.ids.set(at, set);
      }
      apply(set);
      if (set.size === 0) this.ids.delete(at);
    }
  }
}

const slot = (type: string, field: string, key: string) => `${type}\u0000${field}\u0000${key}`;
