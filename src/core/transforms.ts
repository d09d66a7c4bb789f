import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import type { FieldValue } from "../../connectors/contract.ts";

/**
 * Field transforms. Each works in both directions: `in` turns a system's value into the
 * canonical one, `out` the reverse. A transform that has nothing to undo returns the
 * value unchanged on the way out.
 */
export const TransformSchema = z.union([
  z.enum(["trim", "lowercase", "uppercase", "number", "boolean"]),
  z.strictObject({ phone: z.strictObject({ defaultCountry: z.string().length(2).optional() }) }),
  z.strictObject({
    map: z.strictObject({
      in: z.record(z.string(), z.string()),
      out: z.record(z.string(), z.string()).optional(),
      /** What an unmapped value becomes: kept as is, or dropped (null). */
      otherwise: z.enum(["keep", "null"]).optional(),
    }),
  }),
  z.strictObject({ date: z.strictObject({ out: z.enum(["iso-date", "epoch-ms"]) }) }),
]);
export type Transform = z.infer<typeof TransformSchema>;

export type Direction = "in" | "out";

export function applyTransforms(
  transforms: readonly Transform[],
  value: FieldValue,
  direction: Direction,
): FieldValue {
  const ordered = direction === "in" ? transforms : [...transforms].reverse();
  return ordered.reduce<FieldValue>((current, t) => applyOne(t, current, direction), value);
}

function applyOne(transform: Transform, value: FieldValue, direction: Direction): FieldValue {
  if (value === null) return null;
  if (typeof transform === "string") {
    switch (transform) {
      case "trim": {
        if (typeof value !== "string") return value;
        const trimmed = value.trim();
        return trimmed === "" ? null : trimmed;
      }
      case "lowercase":
        return typeof value === "string" && direction === "in" ? value.toLowerCase() : value;
      case "uppercase":
        return typeof value === "string" && direction === "in" ? value.toUpperCase() : value;
      case "number":
        return toNumber(value, direction);
      case "boolean":
        return toBoolean(value, direction);
    }
  }
  if ("phone" in transform) return toE164(value, transform.phone.defaultCountry);
  if ("map" in transform) return mapValue(transform.map, value, direction);
  return convertDate(value, direction, transform.date.out);
}

function toNumber(value: FieldValue, direction: Direction): FieldValue {
  if (direction === "out") return value;
  if (typeof value === "number") return value;
  const parsed = Number(String(value).replace(/[, ]/g, ""));
  return String(value).trim() === "" || !Number.isFinite(parsed) ? null : parsed;
}

function toBoolean(value: FieldValue, direction: Direction): FieldValue {
  if (direction === "out" || typeof value === "boolean") return value;
  const text = String(value).trim().toLowerCase();
  if (["true", "1", "yes", "y"].includes(text)) return true;
  if (["false", "0", "no", "n"].includes(text)) return false;
  return null;
}

/** E.164 when the number parses; otherwise the trimmed original (never lose what a person typed). */
function toE164(value: FieldValue, defaultCountry: string | undefined): FieldValue {
  const text = String(value).trim();
  if (text === "") return null;
  const key = `${defaultCountry ?? ""}|${text}`;
  const cached = phoneCache.get(key);
  if (cached !== undefined) return cached;
  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode | undefined);
  const result = parsed?.isValid() ? parsed.number : text;
  // Parsing is the costliest step of mapping, and every value is mapped in and out several times.
  if (phoneCache.size >= PHONE_CACHE_SIZE) phoneCache.delete(phoneCache.keys().next().value!);
  phoneCache.set(key, result);
  return result;
}

const PHONE_CACHE_SIZE = 10_000;
const phoneCache = new Map<string, string>();

function mapValue(
  map: { in: Record<string, string>; out?: Record<string, string>; otherwise?: "keep" | "null" },
  value: FieldValue,
  direction: Direction,
): FieldValue {
  const key = String(value);
  const table =
    direction === "in"
      ? map.in
      : (map.out ?? Object.fromEntries(Object.entries(map.in).map(([k, v]) => [v, k])));
  const hit = table[key] ?? table[key.toLowerCase()];
  if (hit !== undefined) return hit;
  return map.otherwise === "null" ? null : value;
}

/** Canonical dates are ISO calendar dates (YYYY-MM-DD). */
function convertDate(
  value: FieldValue,
  direction: Direction,
  outFormat: "iso-date" | "epoch-ms",
): FieldValue {
  if (direction === "out") {
    if (outFormat === "iso-date") return value;
    const ms = Date.parse(`${String(value)}T00:00:00Z`);
    return Number.isNaN(ms) ? null : String(ms);
  }
  const text = String(value).trim();
  const ms = /^\d{9,}$/.test(text) ? Number(text) : Date.parse(text);
  if (typeof value === "number" || /^\d{9,}$/.test(text)) {
    return new Date(typeof value === "number" ? value : ms).toISOString().slice(0, 10);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}
