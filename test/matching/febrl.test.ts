import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { febrlEntity, febrlRecords } from "../../src/core/matching/febrl.ts";
import { clusters, matchRecords } from "../../src/core/matching/index.ts";
import { normalizeDate, normalizeName } from "../../src/core/matching/normalize.ts";
import { loadMatchingConfig } from "./load-config.ts";
import { exactKeyPairs, merged, pairwiseQuality, show } from "./metrics.ts";

/**
 * FEBRL dedup benchmark. Measured (merge decisions, probability >= autoMerge 0.95):
 *   dataset1: P=1.0000 R=1.0000 F1=1.0000  (baseline name+dob: P=1.0000 R=0.4040 F1=0.5755)
 *   dataset2: P=0.9990 R=0.9943 F1=0.9966  (baseline name+dob: P=1.0000 R=0.3175 F1=0.4819)
 * Floors are those values minus a small margin, and never below Splink's ~0.96 level.
 */
const FLOORS = {
  "dataset1.csv": { precision: 0.99, recall: 0.99, f1: 0.99 },
  "dataset2.csv": { precision: 0.99, recall: 0.985, f1: 0.99 },
} as const;

const config = loadMatchingConfig();

describe.each(Object.keys(FLOORS) as (keyof typeof FLOORS)[])("FEBRL %s", (file) => {
  const csv = readFileSync(path.resolve(process.cwd(), "../shared/data/febrl", file), "utf8");
  const records = febrlRecords(csv);
  const ids = records.map((r) => r.id);

  it("beats the exact name + date-of-birth baseline and clears the floors", () => {
    const result = matchRecords(records, config);
    const quality = pairwiseQuality(merged(result.pairs), febrlEntity, ids);
    const baseline = pairwiseQuality(
      exactKeyPairs(records, (i) => {
        const f = records[i]!.fields;
        const first = normalizeName(f.firstName);
        const last = normalizeName(f.lastName);
        const dob = normalizeDate(f.birthDate);
        return first && last && dob ? `${first} ${last} ${dob}` : null;
      }),
      febrlEntity,
      ids,
    );
    console.log(`${file}\n  ${show("matcher", quality)}\n  ${show("baseline name+dob", baseline)}`);
    console.log(
      `  ${result.blocking.pairs} candidate pairs of ${(ids.length * (ids.length - 1)) / 2}, prior ${result.model.prior.toFixed(3)}`,
    );
    const floor = FLOORS[file];
    expect(quality.precision).toBeGreaterThanOrEqual(floor.precision);
    expect(quality.recall).toBeGreaterThanOrEqual(floor.recall);
    expect(quality.f1).toBeGreaterThanOrEqual(floor.f1);
    expect(quality.f1).toBeGreaterThan(baseline.f1);
    // Blocking keeps the candidate set tiny next to all pairs.
    expect(result.blocking.pairs).toBeLessThan((ids.length * (ids.length - 1)) / 2 / 50);
    // Clusters group only records of one person (almost always).
    const groups = clusters(result.pairs);
    const pure = groups.filter((g) => new Set(g.map(febrlEntity)).size === 1).length;
    expect(pure / groups.length).toBeGreaterThan(0.98);
  });
});
