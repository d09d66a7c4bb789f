import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ConsentConfig, parseConsentConfig } from "../core/consent-config.ts";
import { MappingError } from "../core/mapping-spec.ts";

/** Reads every `<system>.<object>.json` mapping in the folder (other JSON files are not mappings). */
export function readMappingFiles(
  dir: string,
  systems: readonly string[],
): { file: string; json: unknown }[] {
  return readdirSync(dir)
    .filter(
      (name) => systems.some((system) => name.startsWith(`${system}.`)) && name.endsWith(".json"),
    )
    .sort()
    .map((name) => {
      const file = join(dir, name);
      try {
        return { file, json: JSON.parse(readFileSync(file, "utf8")) };
      } catch (error) {
        throw new MappingError(`${file}: (root): not valid JSON: ${(error as Error).message}`);
      }
    });
}

/** `consent.json` in the mappings folder; without one the hub tracks channel-wide consent only. */
export function readConsentConfig(dir: string): ConsentConfig {
  const file = join(dir, "consent.json");
  if (!existsSync(file)) return parseConsentConfig(file, {});
  try {
    return parseConsentConfig(file, JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    if (error instanceof MappingError) throw error;
    throw new MappingError(`${file}: (root): not valid JSON: ${(error as Error).message}`);
  }
}
