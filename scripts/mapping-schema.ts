import { writeFileSync } from "node:fs";
import { z } from "zod";
import { MappingFileSchema } from "../src/core/mapping-spec.ts";

/** Writes mappings/mapping.schema.json so editors validate mapping files as you type. */
const schema = z.toJSONSchema(MappingFileSchema, { io: "input", unrepresentable: "any" });
writeFileSync(
  new URL("../mappings/mapping.schema.json", import.meta.url),
  `${JSON.stringify(schema, null, 2)}\n`,
);
