import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MappingFolder } from "./mapping-folder.ts";

export function diskFolder(dir: string): MappingFolder {
  return {
    label: dir,
    names: () => readdirSync(dir),
    read: (name) => {
      const file = join(dir, name);
      return existsSync(file) ? readFileSync(file, "utf8") : undefined;
    },
  };
}
