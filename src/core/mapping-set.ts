import type { SystemName } from "../../connectors/contract.ts";
import {
  type Mapping,
  MappingError,
  parseMapping,
  type Rules,
  resolveRules,
} from "./mapping-spec.ts";
import type { Target } from "./plan.ts";

/** All mappings in force, the sync rule of each field, and the systems the hub writes to. */
export interface MappingSet {
  get(system: SystemName, object: string): Mapping | undefined;
  rules: Rules;
  targets: Target[];
}

export interface TargetChoice {
  system: SystemName;
  createObject: string;
}

export function buildMappingSet(
  files: ReadonlyArray<{ file: string; json: unknown }>,
  targets: readonly TargetChoice[],
): MappingSet {
  const parsed = files.map(({ file, json }) => ({ file, mapping: parseMapping(file, json) }));
  const byKey = new Map<string, Mapping>();
  for (const { file, mapping } of parsed) {
    const key = `${mapping.system}/${mapping.object}`;
    if (byKey.has(key)) throw new MappingError(`${file}: object: a second mapping for ${key}`);
    byKey.set(key, mapping);
  }
  const resolved = targets.map((target) => {
    const mappings: Record<string, Mapping> = {};
    for (const mapping of byKey.values()) {
      if (mapping.system === target.system) mappings[mapping.object] = mapping;
    }
    if (!mappings[target.createObject]) {
      throw new MappingError(
        `mappings: no mapping for ${target.system}/${target.createObject}, the object new people are created as`,
      );
    }
    return { ...target, mappings };
  });
  return {
    get: (system, object) => byKey.get(`${system}/${object}`),
    rules: resolveRules(parsed),
    targets: resolved,
  };
}
