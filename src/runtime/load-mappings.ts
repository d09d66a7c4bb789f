import { type ConsentConfig, parseConsentConfig } from "../core/consent-config.ts";
import { type EngagementConfig, parseEngagementConfig } from "../core/engagement-config.ts";
import { MappingError } from "../core/mapping-spec.ts";
import { type MatchingConfig, parseMatchingConfig } from "../core/matching/config.ts";
import { parseScoringRules, type ScoringRules } from "../core/scoring/rules.ts";
import type { MappingFolder } from "./mapping-folder.ts";

const pathOf = (folder: MappingFolder, name: string) => `${folder.label}/${name}`;

/** Reads every `<system>.<object>.json` mapping in the folder (other JSON files are not mappings). */
export function readMappingFiles(
  folder: MappingFolder,
  systems: readonly string[],
): { file: string; json: unknown }[] {
  return folder
    .names()
    .filter(
      (name) => systems.some((system) => name.startsWith(`${system}.`)) && name.endsWith(".json"),
    )
    .sort()
    .map((name) => ({ file: pathOf(folder, name), json: parseJson(folder, name)! }));
}

/** `consent.json` in the mappings folder; without one the hub tracks channel-wide consent only. */
export const readConsentConfig = (folder: MappingFolder): ConsentConfig =>
  readOptional(folder, "consent.json", parseConsentConfig);

/** `scoring.json`: lead-scoring rules; required, since every score is explained by them. */
export const readScoringRules = (folder: MappingFolder): ScoringRules =>
  readRequired(folder, "scoring.json", "lead scoring needs its rules", parseScoringRules);

/** `matching.json`: identity keys and the probabilistic matcher; required, since every merge is explained by it. */
export const readMatchingConfig = (folder: MappingFolder): MatchingConfig =>
  readRequired(
    folder,
    "matching.json",
    "identity resolution needs its settings",
    parseMatchingConfig,
  );

/** `engagement.json`: which engagement becomes Salesforce Tasks (defaults when absent). */
export const readEngagementConfig = (folder: MappingFolder): EngagementConfig =>
  readOptional(folder, "engagement.json", parseEngagementConfig);

function readRequired<T>(
  folder: MappingFolder,
  name: string,
  why: string,
  parse: (file: string, json: unknown) => T,
): T {
  const json = parseJson(folder, name);
  if (json === undefined)
    throw new MappingError(`${pathOf(folder, name)}: (root): missing (${why})`);
  return parse(pathOf(folder, name), json);
}

function readOptional<T>(
  folder: MappingFolder,
  name: string,
  parse: (file: string, json: unknown) => T,
): T {
  return parse(pathOf(folder, name), parseJson(folder, name) ?? {});
}

function parseJson(folder: MappingFolder, name: string): unknown {
  const text = folder.read(name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MappingError(
      `${pathOf(folder, name)}: (root): not valid JSON: ${(error as Error).message}`,
    );
  }
}
