import { z } from "zod";
import type { SystemName } from "../../connectors/contract.ts";
import { type CanonicalField, CanonicalFieldSchema, COMPUTED_FIELDS } from "./contact.ts";
import { TransformSchema } from "./transforms.ts";

/**
 * Per-field sync rules, with the same meaning as HubSpot's own Salesforce connector:
 * `two_way` most recent wins; `prefer_<system>_unless_blank` that system's value unless it
 * is blank; `always_<system>` that system's value, even blank; `none` kept in the hub but
 * never written to any system.
 */
export const SyncRuleSchema = z
  .string()
  .regex(
    /^(two_way|none|prefer_[a-z]+_unless_blank|always_[a-z]+)$/,
    "expected two_way, none, prefer_<system>_unless_blank or always_<system>",
  );
export type SyncRule = string;

const FieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const FieldMappingSchema = z
  .strictObject({
    canonical: z.union([CanonicalFieldSchema, z.array(CanonicalFieldSchema).min(2)]),
    source: z.string().min(1),
    direction: z.enum(["in", "out", "both"]).default("both"),
    transforms: z.array(TransformSchema).default([]),
    rule: SyncRuleSchema.optional(),
    /** Written on create when the canonical value is blank (e.g. Salesforce Lead.Company is required). */
    createDefault: FieldValueSchema.optional(),
    /** For several canonical fields in one source field (a full name): how they are joined. */
    join: z.strictObject({ separator: z.string() }).optional(),
  })
  .refine((f) => !Array.isArray(f.canonical) || f.join !== undefined, {
    message: "several canonical fields in one source field need `join`",
    path: ["join"],
  })
  .refine(
    (f) =>
      f.direction === "out" ||
      !canonicalFieldsOf(f).some((c) => (COMPUTED_FIELDS as readonly string[]).includes(c)),
    {
      message: `${COMPUTED_FIELDS.join(", ")} are computed by the hub: direction must be "out"`,
      path: ["direction"],
    },
  );
export type FieldMapping = z.infer<typeof FieldMappingSchema>;

export const MappingFileSchema = z.strictObject({
  $schema: z.string().optional(),
  system: z.enum(["hubspot", "salesforce", "marketo"]),
  object: z.string().min(1),
  fields: z.array(FieldMappingSchema).min(1),
});
/** A mapping in force: a system's file, or a CSV import source's (src/import) with system `csv:<name>`. */
export type Mapping = Omit<z.infer<typeof MappingFileSchema>, "system"> & { system: SystemName };

export class MappingError extends Error {
  override name = "MappingError";
}

export function canonicalFieldsOf(field: {
  canonical: CanonicalField | CanonicalField[];
}): CanonicalField[] {
  return Array.isArray(field.canonical) ? field.canonical : [field.canonical];
}

/** Validates one mapping file's parsed JSON; errors name the file and the field path. */
/** Systems a mapping or a field rule may name, connected or not. */
const KNOWN_SYSTEMS: readonly string[] = MappingFileSchema.shape.system.options;

export function parseMapping(file: string, json: unknown): Mapping {
  const mapping = parseConfigFile(MappingFileSchema, file, json);
  mapping.fields.forEach((field, index) => {
    const system = field.rule?.match(/^(?:prefer_([a-z]+)_unless_blank|always_([a-z]+))$/);
    const named = system?.[1] ?? system?.[2];
    if (named && !KNOWN_SYSTEMS.includes(named)) {
      throw new MappingError(
        `${file}: fields[${index}].rule: unknown system "${named}" (known: ${KNOWN_SYSTEMS.join(", ")})`,
      );
    }
  });
  return mapping;
}

/** Validates any configuration file against its schema; the error names the file and the field path. */
export function parseConfigFile<S extends z.ZodType>(
  schema: S,
  file: string,
  json: unknown,
): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MappingError(`${file}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  return parsed.data;
}

/** One rule per canonical field across all mapping files; disagreeing files are an error. */
export function resolveRules(mappings: ReadonlyArray<{ file: string; mapping: Mapping }>): Rules {
  const rules = new Map<CanonicalField, { rule: SyncRule; file: string }>();
  for (const { file, mapping } of mappings) {
    mapping.fields.forEach((field, index) => {
      if (!field.rule) return;
      for (const canonical of canonicalFieldsOf(field)) {
        const seen = rules.get(canonical);
        if (seen && seen.rule !== field.rule) {
          throw new MappingError(
            `${file}: fields[${index}].rule: "${field.rule}" for ${canonical} disagrees with "${seen.rule}" in ${seen.file}`,
          );
        }
        rules.set(canonical, { rule: field.rule, file });
      }
    });
  }
  return (field) => rules.get(field)?.rule ?? "two_way";
}

export type Rules = (field: CanonicalField) => SyncRule;

const formatPath = (path: PropertyKey[]) =>
  path.reduce<string>(
    (acc, key) =>
      typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    "",
  ) || "(root)";
