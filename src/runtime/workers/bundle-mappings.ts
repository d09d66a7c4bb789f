import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The mappings a Worker is built with: every JSON file of the folder but the editor schemas. */
export function mappingsModule(dir: string): string {
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith(".json") && !name.endsWith(".schema.json"))
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), "utf8")]),
  );
  return [
    "// Written by `npm run workers:mappings` from the mappings folder; wrangler rewrites it on each build.",
    `export const BUNDLED_MAPPINGS: Readonly<Record<string, string>> = ${JSON.stringify(files, null, 2)};`,
    "",
  ].join("\n");
}
