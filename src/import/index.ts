import { dirname, join, resolve } from "node:path";
import type { MappingSet } from "../core/mapping-set.ts";
import { diskFolder } from "../runtime/disk-folder.ts";
import { readConsentConfig } from "../runtime/load-mappings.ts";
import { CSV_OBJECT, type CsvMapping, readCsvMappings } from "./csv-mapping.ts";

/** CSV imports as the hub runs them: the mappings by name and where uploads are kept. */
export interface Imports {
  /** The system mappings plus every CSV mapping (`csv:<name>`/"row"), for the engine. */
  mappings: MappingSet;
  csv: ReadonlyMap<string, CsvMapping>;
  /** Uploads are stored here (next to the SQLite file) until their job ends. */
  uploadDir: string;
  /** Larger uploads are refused with 413 (disk is the limit the hub protects). */
  maxUploadBytes: number;
}

/**
 * Reads `mappings/csv.*.json` (a bad file stops the start, naming file and field) and
 * adds them to the mapping set, so rows of `csv:<name>` go through the engine like any
 * other source. CSV sources are never targets: `targets` and `rules` stay as they are.
 */
export function createImports(
  config: { mappingsDir: string; dbPath: string; importMaxBytes: number },
  mappings: MappingSet,
): Imports {
  const csv = readCsvMappings(
    config.mappingsDir,
    readConsentConfig(diskFolder(config.mappingsDir)),
  );
  return {
    mappings: {
      ...mappings,
      get: (system, object) =>
        system.startsWith("csv:")
          ? object === CSV_OBJECT
            ? csv.get(system.slice(4))
            : undefined
          : mappings.get(system, object),
    },
    csv,
    uploadDir: join(dirname(resolve(config.dbPath)), "imports"),
    maxUploadBytes: config.importMaxBytes,
  };
}

export { type CsvMapping, requiredColumns } from "./csv-mapping.ts";
export {
  csvMappingIn,
  type ImportParams,
  importEnded,
  importPages,
  keepRowErrors,
  publicImportParams,
  rowErrorsOf,
  uploadIdOf,
  withoutServerPaths,
} from "./job.ts";
