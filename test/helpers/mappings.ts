import { resolve } from "node:path";
import { createIdentity } from "../../src/core/identity.ts";
import { buildMappingSet } from "../../src/core/mapping-set.ts";
import { readMappingFiles, readMatchingConfig } from "../../src/runtime/load-mappings.ts";

export const MAPPINGS_DIR = resolve(import.meta.dirname, "../../mappings");

/** The mapping files shipped in mappings/, as the hub loads them. */
export function shippedMappings(createObject: "Lead" | "Contact" = "Lead") {
  return buildMappingSet(readMappingFiles(MAPPINGS_DIR, ["hubspot", "salesforce"]), [
    { system: "hubspot", createObject: "contact" },
    { system: "salesforce", createObject },
  ]);
}

/** The identity rules of the shipped mappings/matching.json. */
export const shippedIdentity = () => createIdentity(readMatchingConfig(MAPPINGS_DIR));
