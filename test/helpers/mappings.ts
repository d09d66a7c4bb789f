import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createIdentity } from "../../src/core/identity.ts";
import { buildMappingSet } from "../../src/core/mapping-set.ts";
import { diskFolder } from "../../src/runtime/disk-folder.ts";
import { readMappingFiles, readMatchingConfig } from "../../src/runtime/load-mappings.ts";

export const MAPPINGS_DIR = resolve(import.meta.dirname, "../../mappings");

/** The mapping files shipped in mappings/, as the hub loads them. */
export function shippedMappings(createObject: "Lead" | "Contact" = "Lead") {
  return buildMappingSet(readMappingFiles(diskFolder(MAPPINGS_DIR), ["hubspot", "salesforce"]), [
    { system: "hubspot", createObject: "contact" },
    { system: "salesforce", createObject },
  ]);
}

/** The identity rules of the shipped mappings/matching.json. */
export const shippedIdentity = () => createIdentity(readMatchingConfig(diskFolder(MAPPINGS_DIR)));

/** A temporary copy of the shipped mappings folder with one file edited; the caller removes it. */
export function mappingsWith(file: string, edit: (json: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "tsunagu-mappings-"));
  cpSync(MAPPINGS_DIR, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), "utf8"));
  edit(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}
