import type {
  ConsentStatement,
  EngagementEvent,
  SourceFields,
  SourceRecord,
} from "../../connectors/contract.ts";
import {
  type CanonicalField,
  type CanonicalValues,
  ContactAttributesSchema,
} from "../core/contact.ts";
import { mapIn } from "../core/mapping.ts";
import { canonicalFieldsOf } from "../core/mapping-spec.ts";
import { CSV_OBJECT, type CsvMapping } from "./csv-mapping.ts";

/** One accepted row: the source record, and the consent and engagement its columns state. */
export interface ImportRow {
  row: number;
  record: SourceRecord;
  consent: ConsentStatement[];
  events: EngagementEvent[];
}

export type RowResult = { ok: true; value: ImportRow } | { ok: false; reason: string };

/**
 * Turns data rows (cells in header order) into records of `csv:<name>`. A row is accepted
 * whole or rejected with a reason: a missing external id, a wrong number of columns, a
 * blank required cell, an unparseable date, a value the canonical field cannot hold
 * (an invalid email), an unknown consent answer. Blank cells are left out of the record,
 * so an import never blanks a value another system holds.
 */
export function rowConverter(mapping: CsvMapping, header: string[], importedAt: number) {
  const { spec } = mapping;
  const index = new Map<string, number>();
  header.forEach((column, i) => {
    if (!index.has(column)) index.set(column, i);
  });
  const attributeShape = ContactAttributesSchema.shape as Record<
    string,
    { safeParse(value: unknown): { success: boolean } }
  >;

  return (row: number, cells: string[]): RowResult => {
    const reject = (reason: string): RowResult => ({ ok: false, reason });
    if (cells.length !== header.length)
      return reject(`expected ${header.length} columns, found ${cells.length}`);
    const values = new Map<string, string>();
    for (const [column, i] of index) {
      const cell = cells[i]!;
      if (cell !== "") values.set(column, cell);
    }
    for (const d of spec.derived) {
      const parts = d.join.map((c) => values.get(c)).filter((v) => v !== undefined);
      if (parts.length > 0) values.set(d.name, parts.join(d.separator));
    }
    const externalId = values.get(spec.externalId);
    if (externalId === undefined) return reject(`${spec.externalId}: missing external id`);

    const fields: SourceFields = {};
    for (const field of spec.fields) {
      const raw = values.get(field.source);
      if (raw === undefined) {
        if (field.required) return reject(`${field.source}: required`);
        continue;
      }
      if (field.date) {
        const iso = parseDateLayout(raw, field.date);
        if (!iso)
          return reject(`${field.source}: unparseable date "${raw}" (expected ${field.date})`);
        fields[field.source] = iso;
      } else {
        fields[field.source] = raw;
      }
    }
    const canonical = mapIn(mapping, fields);
    for (const field of spec.fields) {
      if (!(field.source in fields)) continue;
      for (const name of canonicalFieldsOf(field)) {
        const problem = invalid(name, canonical, attributeShape);
        if (problem) return reject(`${field.source}: ${problem} "${values.get(field.source)}"`);
      }
    }

    const consent: ConsentStatement[] = [];
    for (const c of spec.consent) {
      const answer = values.get(c.column);
      if (answer === undefined) continue;
      const state = c.values[answer.toLowerCase()] ?? c.values[answer];
      if (!state)
        return reject(
          `${c.column}: unknown consent answer "${answer}" (expected ${Object.keys(c.values).join(", ")})`,
        );
      let occurredAt = importedAt;
      const at = c.at ? values.get(c.at) : undefined;
      if (c.at && at !== undefined) {
        const ms = parseInstant(at, c.date);
        if (ms === null) return reject(`${c.at}: unparseable date "${at}"`);
        occurredAt = ms;
      }
      consent.push({
        channel: c.channel,
        purpose: c.purpose,
        state,
        explicit: c.explicit,
        ...(c.legalBasis && state === "opted_in" ? { legalBasis: c.legalBasis } : {}),
        occurredAt,
        evidence: { kind: "csv_import", ref: `${mapping.system}/${externalId}` },
      });
    }

    const events: EngagementEvent[] = [];
    for (const e of spec.events) {
      const at = values.get(e.at);
      if (at === undefined) continue;
      const occurredAt = parseInstant(at, e.date);
      if (occurredAt === null) return reject(`${e.at}: unparseable date "${at}"`);
      const detail: SourceFields = {};
      for (const [key, column] of Object.entries(e.detail)) {
        const value = values.get(column);
        if (value !== undefined) detail[key] = value;
      }
      const title = e.title ? values.get(e.title) : undefined;
      events.push({
        key: `${mapping.system}/${externalId}/${e.type}/${occurredAt}`,
        system: mapping.system,
        type: e.type,
        person: { object: CSV_OBJECT, externalId },
        occurredAt,
        ...(title !== undefined ? { title } : {}),
        detail,
      });
    }

    return {
      ok: true,
      value: {
        row,
        record: {
          system: mapping.system,
          object: CSV_OBJECT,
          externalId,
          modifiedAt: importedAt,
          fields,
        },
        consent,
        events,
      },
    };
  };
}

/** Why a canonical value is unusable, or undefined when it is fine (blank is fine). */
function invalid(
  name: CanonicalField,
  canonical: CanonicalValues,
  shape: Record<string, { safeParse(value: unknown): { success: boolean } }>,
): string | undefined {
  const value = canonical[name];
  if (name === "birthDate" && value === null) return "unparseable date";
  if (value === null || value === undefined) return undefined;
  if (shape[name]?.safeParse(value).success === false)
    return name === "email" ? "invalid email" : `invalid ${name}`;
  return undefined;
}

/** A cell in a YYYY/MM/DD layout as an ISO date, or null when it is no calendar date. */
export function parseDateLayout(text: string, layout: string): string | null {
  const loose = /[^YMD]/.test(layout);
  const order: string[] = [];
  const pattern = layout.replace(/YYYY|MM|DD|[/.\- ]/g, (token) => {
    if (token === "YYYY") {
      order.push("y");
      return "(\\d{4})";
    }
    if (token === "MM" || token === "DD") {
      order.push(token === "MM" ? "m" : "d");
      return loose ? "(\\d{1,2})" : "(\\d{2})";
    }
    return `\\${token}`;
  });
  const match = new RegExp(`^${pattern}$`).exec(text.trim());
  if (!match) return null;
  const part = (key: string) => Number(match[order.indexOf(key) + 1]);
  const [y, m, d] = [part("y"), part("m"), part("d")];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return null;
  return date.toISOString().slice(0, 10);
}

/** An event or statement time: the layout's date (midnight UTC), or an ISO date or date-time. */
export function parseInstant(text: string, layout?: string): number | null {
  if (layout) {
    const iso = parseDateLayout(text, layout);
    return iso ? Date.parse(`${iso}T00:00:00Z`) : null;
  }
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return null;
  const ms = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
  return Number.isNaN(ms) ? null : ms;
}
