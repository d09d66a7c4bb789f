import { readFileSync } from "node:fs";
import path from "node:path";
import { type MatchingConfig, parseMatchingConfig } from "../../src/core/matching/config.ts";

export const CONFIG_FILE = "mappings/matching.json";

export function loadMatchingConfig(): MatchingConfig {
  const json: unknown = JSON.parse(readFileSync(path.resolve(process.cwd(), CONFIG_FILE), "utf8"));
  return parseMatchingConfig(CONFIG_FILE, json);
}
