import { readFileSync } from "node:fs";
import path from "node:path";
import { parseMatchingConfig } from "../src/core/matching/config.ts";
import { matchRecords } from "../src/core/matching/index.ts";
import { generateCrm } from "../test/matching/crm-generator.ts";

/**
 * Matching cost vs size: 10k and 100k CRM-like records, blocking + model fit + scoring.
 * Near-linear blocking keeps the time per record roughly flat. Run:
 * `node --import tsx bench/matching.ts`.
 */
const file = "mappings/matching.json";
const config = parseMatchingConfig(
  file,
  JSON.parse(readFileSync(path.resolve(process.cwd(), file), "utf8")),
);

function people(target: number) {
  // generateCrm makes ~1.75 records per person on average.
  return Math.round(target / 1.75);
}

const perRecord: number[] = [];
for (const target of [10_000, 100_000]) {
  const { records, person } = generateCrm(people(target), 11);
  const n = records.length;
  const start = performance.now();
  const result = matchRecords(records, config, { includeDistinct: false });
  const ms = performance.now() - start;
  perRecord.push(ms / n);
  const all = (n * (n - 1)) / 2;
  const merges = result.pairs.filter((p) => p.decision === "merge");
  const truth = new Map<string, number>();
  for (const id of person.values()) truth.set(id, (truth.get(id) ?? 0) + 1);
  let truePairs = 0;
  for (const k of truth.values()) truePairs += (k * (k - 1)) / 2;
  const tp = merges.filter((p) => person.get(p.a) === person.get(p.b)).length;
  console.log(
    `${n} records: ${ms.toFixed(0)} ms (${((ms / n) * 1000).toFixed(1)} µs/record), ` +
      `${result.blocking.pairs} candidate pairs of ${all.toExponential(2)} ` +
      `(${((result.blocking.pairs / all) * 100).toExponential(2)} %), ` +
      `${result.blocking.oversizedBlocks} oversized blocks, ${merges.length} merges ` +
      `(precision ${(tp / merges.length).toFixed(4)}, recall ${(tp / truePairs).toFixed(4)})`,
  );
}
console.log(`time per record, 100k vs 10k: ${(perRecord[1]! / perRecord[0]!).toFixed(2)}x`);
