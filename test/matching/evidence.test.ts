import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { candidatePairs, ruleKey } from "../../src/core/matching/blocking.ts";
import {
  comparisonLevel,
  passes,
  prepareRecord,
  sameDigits,
} from "../../src/core/matching/compare.ts";
import { febrlEntity, febrlRecords } from "../../src/core/matching/febrl.ts";
import { levelWeight } from "../../src/core/matching/fellegi-sunter.ts";
import { fitRecords, type MatchRecord, matchRecords } from "../../src/core/matching/index.ts";
import { generateCrm } from "./crm-generator.ts";
import { loadMatchingConfig } from "./load-config.ts";

const config = loadMatchingConfig();
const comparison = (name: string) => {
  const c = config.comparisons.findIndex((cmp) => (cmp.name ?? cmp.fields[0]) === name);
  expect(c).toBeGreaterThanOrEqual(0);
  return c;
};
const levelOf = (c: number, name: string) =>
  config.comparisons[c]!.levels.findIndex((level) => level.name === name);

/** Four numbered test accounts, as a HubSpot portal holds them. */
const accounts: MatchRecord[] = [0, 1, 2, 3].map((n) => ({
  id: `hubspot-acc-${n}`,
  fields: { firstName: "Ada", lastName: `Hs${n}`, email: `acc.hs.${n}.0@example.org` },
}));

describe("evidence that says no", () => {
  const { records, person } = generateCrm(3000, 7);
  const fitted = fitRecords([...records, ...accounts], config);
  const { model } = fitted;

  it("numbered accounts with the same first name are not one person (weights against, not for)", () => {
    for (let i = 0; i < accounts.length; i++)
      for (let j = i + 1; j < accounts.length; j++) {
        const pair = fitted.scorePair(accounts[i]!, accounts[j]!);
        const weight = (field: string) => pair.evidence.find((e) => e.field === field)!.weight;
        expect(pair.decision).toBe("distinct");
        expect(pair.probability).toBeLessThan(config.thresholds.review);
        expect(weight("email")).toBeLessThan(0);
        expect(weight("lastName")).toBeLessThan(0);
        expect(pair.evidence.reduce((s, e) => s + e.weight, 0)).toBeCloseTo(pair.weight, 9);
      }
  });

  it("disagreeing emails, surnames, phones and birth dates weigh against a match (else levels, not clamped to 0)", () => {
    for (const name of ["email", "lastName", "firstName", "phone", "birthDate"]) {
      const c = comparison(name);
      const levels = config.comparisons[c]!.levels;
      const w = levelWeight(model, c, levels.length - 1, null);
      expect(w, name).toBeLessThan(-1);
      expect(levelWeight(model, c, 0, null), name).toBeGreaterThan(3);
    }
  });

  it("the prior is the rate of true matches among all pairs of records, within a factor of two", () => {
    const sizes = new Map<string, number>();
    for (const id of person.values()) sizes.set(id, (sizes.get(id) ?? 0) + 1);
    let truePairs = 0;
    for (const k of sizes.values()) truePairs += (k * (k - 1)) / 2;
    const n = records.length + accounts.length;
    const rate = truePairs / ((n * (n - 1)) / 2);
    console.log(`prior ${model.prior.toExponential(3)} vs true rate ${rate.toExponential(3)}`);
    expect(model.prior).toBeGreaterThan(rate / 2);
    expect(model.prior).toBeLessThan(rate * 2);
  });

  it("a common surname agreeing counts for less than a rare one (term frequency)", () => {
    const c = comparison("lastName");
    const common = levelWeight(model, c, 0, "smith");
    const rare = levelWeight(model, c, 0, "hs0");
    expect(common).toBeLessThan(rare - 3);
  });
});

describe("swapped names and digits", () => {
  it("given name and surname swapped share a block and compare as swapped", () => {
    const a = prepareRecord(
      { id: "a", fields: { firstName: "Georgia", lastName: "White" } },
      config,
    );
    const b = prepareRecord(
      { id: "b", fields: { firstName: "White", lastName: "Georgia" } },
      config,
    );
    const rule = config.blocking.rules.find((r) => r.unordered)!;
    expect(ruleKey(a, rule.keys, true)).toBe(ruleKey(b, rule.keys, true));
    expect(ruleKey(a, rule.keys)).not.toBe(ruleKey(b, rule.keys));
    const first = comparison("firstName");
    const level = comparisonLevel(config.comparisons[first]!, a, b);
    expect(config.comparisons[first]!.levels[level]!.name).toBe("swapped_with_surname");
    expect(candidatePairs([a, b], config).stats.pairs).toBe(1);
  });

  it("digits that differ stop fuzzy levels (numbered accounts), digits that agree do not", () => {
    expect(sameDigits("acc.hs.0.0", 10, "acc.hs.1.0", 10)).toBe(false);
    expect(sameDigits("john.smith", 10, "jon.smith", 9)).toBe(true);
    expect(sameDigits("jsmith80", 8, "j.smith80", 9)).toBe(true);
    expect(sameDigits("jsmith", 6, "jsmith1", 7)).toBe(false);
    const email = config.comparisons[comparison("email")]!;
    const fuzzy = email.levels[levelOf(comparison("email"), "local_part_jaro_winkler_0.92")]!.when;
    expect(passes(fuzzy, "email", "acc.hs.0.0@example.org", "acc.hs.1.0@example.org")).toBe(false);
    expect(passes(fuzzy, "email", "katherine.smith@a.com", "katherine.smyth@b.com")).toBe(true);
  });
});

describe("FEBRL without its national id (the fields a CSV import carries)", () => {
  it.each(["dataset1.csv", "dataset2.csv"])("%s keeps precision and recall >= 0.98", (file) => {
    const csv = readFileSync(path.resolve(process.cwd(), "../shared/data/febrl", file), "utf8");
    const records = febrlRecords(csv).map((r) => ({
      id: r.id,
      fields: { ...r.fields, nationalId: null, address2: null },
    }));
    const merged = matchRecords(records, config, { includeDistinct: false }).pairs.filter(
      (p) => p.decision === "merge",
    );
    const sizes = new Map<string, number>();
    for (const r of records) sizes.set(febrlEntity(r.id), (sizes.get(febrlEntity(r.id)) ?? 0) + 1);
    let truePairs = 0;
    for (const k of sizes.values()) truePairs += (k * (k - 1)) / 2;
    const tp = merged.filter((p) => febrlEntity(p.a) === febrlEntity(p.b)).length;
    expect(tp / merged.length).toBeGreaterThanOrEqual(0.99);
    expect(tp / truePairs).toBeGreaterThanOrEqual(0.98);
  });
});
