import { resolve } from "node:path";
import { buildMappingSet } from "../../src/core/mapping-set.ts";
import { readMappingFiles } from "../../src/runtime/load-mappings.ts";

export const MAPPINGS_DIR = resolve(import.meta.dirname, "../../mappings");

/** The mapping files shipped in mappings/, as the hub loads them. */
export function shippedMappings(createObject: "Lead" | "Contact" = "Lead") {
  return buildMappingSet(readMappingFiles(MAPPINGS_DIR, ["hubspot", "salesforce"]), [
    { system: "hubspot", createObject: "contact" },
    { system: "salesforce", createObject },
  ]);
}
