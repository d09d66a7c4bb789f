import { writeFileSync } from "node:fs";
import { z } from "zod";
import { MappingFileSchema } from "../src/core/mapping-spec.ts";
import { CsvMappingFileSchema } from "../src/import/csv-mapping.ts";

/** Writes the JSON Schemas of mapping files, so editors validate them as you type. */
for (const [file, schema] of [
  ["mapping.schema.json", MappingFileSchema],
  ["csv-mapping.schema.json", CsvMappingFileSchema],
] as const) {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  writeFileSync(
    new URL(`../mappings/${file}`, import.meta.url),
    `${JSON.stringify(json, null, 2)}\n`,
  );
}
