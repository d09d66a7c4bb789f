import type { FieldValue, SourceFields } from "../../connectors/contract.ts";
import { type CanonicalField, type CanonicalValues, isBlank } from "./contact.ts";
import { canonicalFieldsOf, type FieldMapping, type Mapping } from "./mapping-spec.ts";
import { applyTransforms } from "./transforms.ts";

const reads = (f: FieldMapping) => f.direction !== "out";
const writes = (f: FieldMapping) => f.direction !== "in";

/** Source record fields -> canonical values. Fields the record does not carry are left out. */
export function mapIn(mapping: Mapping, fields: SourceFields): CanonicalValues {
  const values: CanonicalValues = {};
  for (const field of mapping.fields) {
    if (!reads(field) || !(field.source in fields)) continue;
    const raw = fields[field.source] ?? null;
    // A createDefault is a placeholder the hub wrote to satisfy a required field: it means blank.
    const value =
      field.createDefault !== undefined && raw === field.createDefault
        ? null
        : applyTransforms(field.transforms, raw, "in");
    if (Array.isArray(field.canonical)) {
      const parts = splitJoined(value, field.join!.separator, field.canonical.length);
      field.canonical.forEach((canonical, i) => {
        values[canonical] = parts[i] ?? null;
      });
    } else {
      values[field.canonical] = value;
    }
  }
  return values;
}

/**
 * Canonical values -> the system's fields, for the canonical fields in `only` (all when
 * omitted). On create, blank values are left out and `createDefault`s fill required fields.
 */
export function mapOut(
  mapping: Mapping,
  values: CanonicalValues,
  options: { create: boolean; only?: ReadonlySet<CanonicalField> },
): SourceFields {
  const fields: SourceFields = {};
  for (const field of mapping.fields) {
    if (!writes(field)) continue;
    const canonicals = canonicalFieldsOf(field);
    if (options.only && !canonicals.some((c) => options.only!.has(c))) continue;
    if (!canonicals.some((c) => c in values)) continue;
    const joined = Array.isArray(field.canonical)
      ? joinParts(
          canonicals.map((c) => values[c] ?? null),
          field.join!.separator,
        )
      : (values[field.canonical] ?? null);
    let value = applyTransforms(field.transforms, joined, "out");
    if (options.create && isBlank(value)) {
      if (field.createDefault === undefined) continue;
      value = field.createDefault;
    }
    fields[field.source] = value;
  }
  if (options.create) {
    for (const field of mapping.fields) {
      if (writes(field) && field.createDefault !== undefined && !(field.source in fields)) {
        fields[field.source] = field.createDefault;
      }
    }
  }
  return fields;
}

/** The canonical fields a mapping can write to its system. */
export const writableFields = (mapping: Mapping): Set<CanonicalField> =>
  new Set(mapping.fields.filter(writes).flatMap(canonicalFieldsOf));

/** The source fields to request from the system. */
export const sourceFieldsToRead = (mapping: Mapping): string[] => [
  ...new Set(mapping.fields.filter(reads).map((f) => f.source)),
];

function splitJoined(value: FieldValue, separator: string, parts: number): FieldValue[] {
  if (typeof value !== "string" || value.trim() === "") return Array(parts).fill(null);
  const words = value.trim().split(separator).filter(Boolean);
  if (words.length <= parts) return [...words, ...Array(parts - words.length).fill(null)];
  // Extra words belong to the first part ("Mary Ann Smith" -> "Mary Ann" + "Smith").
  return [
    words.slice(0, words.length - parts + 1).join(separator),
    ...words.slice(words.length - parts + 1),
  ];
}

function joinParts(values: FieldValue[], separator: string): FieldValue {
  const present = values.filter((v) => !isBlank(v)).map(String);
  return present.length === 0 ? null : present.join(separator);
}
