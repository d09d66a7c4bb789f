import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ConsentConfig, parseConsentConfig } from "../core/consent-config.ts";
import { type EngagementConfig, parseEngagementConfig } from "../core/engagement-config.ts";
import { MappingError } from "../core/mapping-spec.ts";
import { type MatchingConfig, parseMatchingConfig } from "../core/matching/config.ts";
import { parseScoringRules, type ScoringRules } from "../core/scoring/rules.ts";

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
export const readConsentConfig = (dir: string): ConsentConfig =>
  readOptional(join(dir, "consent.json"), parseConsentConfig);

/** `scoring.json`: lead-scoring rules; required, since every score is explained by them. */
export function readScoringRules(dir: string): ScoringRules {
  const file = join(dir, "scoring.json");
  if (!existsSync(file))
    throw new MappingError(`${file}: (root): missing (lead scoring needs its rules)`);
  return readOptional(file, parseScoringRules);
}

/** `matching.json`: identity keys and the probabilistic matcher; required, since every merge is explained by it. */
export function readMatchingConfig(dir: string): MatchingConfig {
  const file = join(dir, "matching.json");
  if (!existsSync(file))
    throw new MappingError(`${file}: (root): missing (identity resolution needs its settings)`);
  return readOptional(file, parseMatchingConfig);
}

/** `engagement.json`: which engagement becomes Salesforce Tasks (defaults when absent). */
export const readEngagementConfig = (dir: string): EngagementConfig =>
  readOptional(join(dir, "engagement.json"), parseEngagementConfig);

function readOptional<T>(file: string, parse: (file: string, json: unknown) => T): T {
  if (!existsSync(file)) return parse(file, {});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new MappingError(`${file}: (root): not valid JSON: ${(error as Error).message}`);
  }
  return parse(file, json);
}
