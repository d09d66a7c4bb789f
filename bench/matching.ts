import { readFileSync } from "node:fs";
import path from "node:path";
import { type MatchingConfig, parseMatchingConfig } from "../src/core/matching/config.ts";
import { matchRecords } from "../src/core/matching/index.ts";
import { normalizeEmail } from "../src/core/matching/normalize.ts";
import { generateCrm } from "../test/matching/crm-generator.ts";

/**
 * Matching cost and quality vs size on CRM-like records (blocking + model fit + scoring),
 * at 10k and 100k records (and 1M with `BENCH_MATCHING_1M=1`). Each size runs twice in the
 * same process: with the shipped settings, and with the blocking as it was before per-rule
 * caps (every rule at `maxBlockSize` 100 with a sorted-neighbourhood window of 10 in larger
 * blocks), the baseline; exact-email dedup is printed for quality. Records/s are over the
 * process's CPU time (on a busy machine wall time says more about the neighbours), wall
 * time beside. Run: `node --import tsx bench/matching.ts`.
 */
const file = "mappings/matching.json";
const shipped = parseMatchingConfig(
  file,
  JSON.parse(readFileSync(path.resolve(process.cwd(), file), "utf8")),
);
const looseBlocking: MatchingConfig = {
  ...shipped,
  blocking: {
    ...shipped.blocking,
    rules: shipped.blocking.rules
      .filter((r) => !r.unordered)
      .map(({ window: _w, maxBlockSize: _m, ...rule }) => rule),
    maxBlockSize: 100,
    window: 10,
  },
};

// generateCrm makes ~1.75 records per person on average.
const people = (target: number) => Math.round(target / 1.75);

function run(label: string, config: MatchingConfig, set: ReturnType<typeof generateCrm>) {
  const { records, person } = set;
  const n = records.length;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = matchRecords(records, config, { includeDistinct: false });
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const merges = result.pairs.filter((p) => p.decision === "merge");
  const truth = new Map<string, number>();
  for (const id of person.values()) truth.set(id, (truth.get(id) ?? 0) + 1);
  let truePairs = 0;
  for (const k of truth.values()) truePairs += (k * (k - 1)) / 2;
  const tp = merges.filter((p) => person.get(p.a) === person.get(p.b)).length;
  const perSecond = (n / cpuMs) * 1000;
  console.log(
    `  ${label.padEnd(22)} ${perSecond.toFixed(0).padStart(6)} records/s (cpu ${cpuMs.toFixed(0)} ms, wall ${wallMs.toFixed(0)} ms), ` +
      `${result.blocking.pairs} candidate pairs (${(result.blocking.pairs / n).toFixed(1)} a record), ${result.blocking.oversizedBlocks} oversized blocks, ` +
      `precision ${(tp / merges.length).toFixed(4)}, recall ${(tp / truePairs).toFixed(4)}`,
  );
  return { perSecond, precision: tp / merges.length };
}

function emailOnly(set: ReturnType<typeof generateCrm>) {
  const { records, person } = set;
  const groups = new Map<string, string[]>();
  for (const r of records) {
    const email = normalizeEmail(r.fields.email, shipped.email.providers)?.email;
    if (email) groups.set(email, [...(groups.get(email) ?? []), r.id]);
  }
  let predicted = 0;
  let tp = 0;
  for (const g of groups.values())
    for (let i = 0; i < g.length; i++)
      for (let j = i + 1; j < g.length; j++) {
        predicted++;
        if (person.get(g[i]!) === person.get(g[j]!)) tp++;
      }
  const truth = new Map<string, number>();
  for (const id of person.values()) truth.set(id, (truth.get(id) ?? 0) + 1);
  let truePairs = 0;
  for (const k of truth.values()) truePairs += (k * (k - 1)) / 2;
  console.log(
    `  ${"email only".padEnd(22)} precision ${(tp / predicted).toFixed(4)}, recall ${(tp / truePairs).toFixed(4)}`,
  );
}

// Warm-up: both settings compiled by the JIT before anything is timed.
for (const config of [shipped, looseBlocking])
  matchRecords(generateCrm(people(5_000), 3).records, config, { includeDistinct: false });

const sizes = [10_000, 100_000, ...(process.env.BENCH_MATCHING_1M ? [1_000_000] : [])];
const rates: number[] = [];
for (const target of sizes) {
  const set = generateCrm(people(target), 11);
  console.log(`${set.records.length} records`);
  const now = run("shipped", shipped, set);
  if (target <= 100_000) {
    const before = run("baseline (blocking)", looseBlocking, set);
    console.log(`  speed vs baseline: ${(now.perSecond / before.perSecond).toFixed(2)}x`);
  }
  emailOnly(set);
  rates.push(now.perSecond);
}
for (let i = 1; i < sizes.length; i++)
  console.log(
    `records/s at ${sizes[i]} vs ${sizes[i - 1]}: ${(rates[i]! / rates[i - 1]!).toFixed(2)}x (1.00 = linear)`,
  );
