import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  CONSENT_CHANNELS,
  type CsvSystem,
  ENGAGEMENT_TYPES,
  LEGAL_BASES,
} from "../../connectors/contract.ts";
import type { ConsentConfig } from "../core/consent-config.ts";
import {
  FieldMappingSchema,
  type Mapping,
  MappingError,
  parseConfigFile,
} from "../core/mapping-spec.ts";

/**
 * `mappings/csv.<name>.json`: how the rows of one kind of CSV file become source records of
 * the system `csv:<name>` (object "row"). Fields are ordinary field mappings (transforms,
 * joined names) read in only: a CSV source is never written and never wins by a rule.
 */

/** A date layout of YYYY, MM and DD with any separators: "YYYYMMDD", "DD/MM/YYYY". */
const DateLayoutSchema = z
  .string()
  .regex(
    /^(?=.*YYYY)(?=.*MM)(?=.*DD)[YMD/.\- ]+$/,
    "a date layout of YYYY, MM and DD, e.g. YYYYMMDD or DD/MM/YYYY",
  );
const Column = z.string().min(1);

export const CsvFieldSchema = FieldMappingSchema.safeExtend({
  /** The column's date layout: the cell becomes an ISO date before transforms; other text rejects the row. */
  date: DateLayoutSchema.optional(),
  /** A blank cell rejects the row. */
  required: z.boolean().optional(),
})
  .refine((f) => f.direction !== "out", {
    message: 'a CSV source is read-only: direction must be "in"',
    path: ["direction"],
  })
  .refine((f) => f.rule === undefined, {
    message: "sync rules are set in the system mappings; a CSV source has none",
    path: ["rule"],
  })
  .refine((f) => f.createDefault === undefined, {
    message: "a CSV source is never written, so it has no createDefault",
    path: ["createDefault"],
  });
export type CsvField = z.infer<typeof CsvFieldSchema>;

const DEFAULT_CONSENT_VALUES: Record<string, "opted_in" | "opted_out"> = {
  yes: "opted_in",
  y: "opted_in",
  true: "opted_in",
  "1": "opted_in",
  opted_in: "opted_in",
  no: "opted_out",
  n: "opted_out",
  false: "opted_out",
  "0": "opted_out",
  opted_out: "opted_out",
};

export const CsvMappingFileSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  /** The column whose value identifies the row: it becomes the source link's externalId. */
  externalId: Column,
  csv: z
    .strictObject({
      delimiter: z.string().length(1).default(","),
      /** Trim spaces around every cell (FEBRL writes ", " between cells). */
      trim: z.boolean().default(true),
    })
    .default({ delimiter: ",", trim: true }),
  /** Columns made of other columns, e.g. street = street_number + " " + address_1. */
  derived: z
    .array(
      z.strictObject({
        name: Column,
        join: z.array(Column).min(2),
        separator: z.string().default(" "),
      }),
    )
    .default([]),
  fields: z.array(CsvFieldSchema).min(1),
  /** Columns that are consent statements (a newsletter tick box, a signed form). */
  consent: z
    .array(
      z.strictObject({
        column: Column,
        channel: z.enum(CONSENT_CHANNELS),
        /** A purpose id from consent.json; null for the whole channel. */
        purpose: z.string().min(1).nullable().default(null),
        /** Cell text (case-insensitive) -> state; blank cells say nothing, other text rejects the row. */
        values: z
          .record(z.string(), z.enum(["opted_in", "opted_out"]))
          .default(DEFAULT_CONSENT_VALUES),
        legalBasis: z.enum(LEGAL_BASES).optional(),
        explicit: z.boolean().default(true),
        /** Column with the statement's date; the import time when absent. */
        at: Column.optional(),
        date: DateLayoutSchema.optional(),
      }),
    )
    .default([]),
  /** Columns that are engagement, one event per row when the `at` cell is filled. */
  events: z
    .array(
      z.strictObject({
        type: z.enum(ENGAGEMENT_TYPES),
        /** When it happened (ISO date or date-time, or the `date` layout). */
        at: Column,
        date: DateLayoutSchema.optional(),
        title: Column.optional(),
        /** Detail key -> column, e.g. {"amount": "order_total"} for purchases (RFM). */
        detail: z.record(z.string(), Column).default({}),
      }),
    )
    .default([]),
});
export type CsvMappingFile = z.infer<typeof CsvMappingFileSchema>;

/** A CSV mapping in force: a Mapping of `csv:<name>`/"row" plus what turns cells into records. */
export interface CsvMapping extends Mapping {
  system: CsvSystem;
  object: typeof CSV_OBJECT;
  name: string;
  file: string;
  spec: CsvMappingFile;
}

export const CSV_OBJECT = "row";
const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const FILE = /^csv\.(.+)\.json$/;

export const csvSystem = (name: string): CsvSystem => `csv:${name}`;
export const isCsvMapping = (mapping: Mapping | undefined): mapping is CsvMapping =>
  mapping !== undefined && "spec" in mapping && mapping.object === CSV_OBJECT;

/** Validates one CSV mapping file; errors name the file and the field path. */
export function parseCsvMapping(
  file: string,
  name: string,
  json: unknown,
  consent?: ConsentConfig,
): CsvMapping {
  if (!NAME.test(name))
    throw new MappingError(
      `${file}: (root): mapping name "${name}" must be lower-case letters, digits, - and _`,
    );
  const spec = parseConfigFile(CsvMappingFileSchema, file, json);
  const fail = (path: string, message: string): never => {
    throw new MappingError(`${file}: ${path}: ${message}`);
  };
  spec.derived.forEach((d, i) => {
    if (d.name === spec.externalId || spec.derived.slice(0, i).some((e) => e.name === d.name))
      fail(`derived[${i}].name`, `"${d.name}" is already a column name`);
  });
  spec.consent.forEach((c, i) => {
    if (c.purpose !== null && consent) {
      const known = consent.purposes.find((p) => p.id === c.purpose);
      if (!known)
        fail(`consent[${i}].purpose`, `unknown purpose "${c.purpose}" (see consent.json)`);
      else if (known.channel !== c.channel)
        fail(`consent[${i}].purpose`, `"${c.purpose}" belongs to the ${known.channel} channel`);
    }
    if (Object.values(c.values).includes("opted_in") && !c.legalBasis)
      fail(`consent[${i}].legalBasis`, "an opt-in needs a legal basis (HubSpot requires one)");
  });
  return {
    system: csvSystem(name),
    object: CSV_OBJECT,
    fields: spec.fields.map((f) => ({ ...f, direction: "in" as const })),
    name,
    file,
    spec,
  };
}

/** The columns a file must have for this mapping (derived columns are computed, not read). */
export function requiredColumns(mapping: CsvMapping): string[] {
  const { spec } = mapping;
  const derived = new Set(spec.derived.map((d) => d.name));
  const columns = [
    spec.externalId,
    ...spec.derived.flatMap((d) => d.join),
    ...spec.fields.map((f) => f.source),
    ...spec.consent.flatMap((c) => [c.column, ...(c.at ? [c.at] : [])]),
    ...spec.events.flatMap((e) => [
      e.at,
      ...(e.title ? [e.title] : []),
      ...Object.values(e.detail),
    ]),
  ];
  return [...new Set(columns.filter((c) => !derived.has(c)))];
}

/** Every `csv.<name>.json` in the mappings folder, by name. */
export function readCsvMappings(dir: string, consent?: ConsentConfig): Map<string, CsvMapping> {
  const mappings = new Map<string, CsvMapping>();
  if (!existsSync(dir)) return mappings;
  for (const entry of readdirSync(dir).sort()) {
    const name = FILE.exec(entry)?.[1];
    if (name === undefined) continue;
    const file = join(dir, entry);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new MappingError(`${file}: (root): not valid JSON: ${(error as Error).message}`);
    }
    mappings.set(name, parseCsvMapping(file, name, json, consent));
  }
  return mappings;
}
