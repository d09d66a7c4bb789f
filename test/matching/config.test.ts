import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMatchingConfig } from "../../src/core/matching/config.ts";
import { clusters, matchRecords, type Pair } from "../../src/core/matching/index.ts";
import {
  formalName,
  normalizeCompany,
  normalizeDate,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizePostcode,
} from "../../src/core/matching/normalize.ts";
import { damerauLevenshtein, jaroWinkler } from "../../src/core/matching/similarity.ts";
import { generateCrm } from "./crm-generator.ts";
import { CONFIG_FILE, loadMatchingConfig } from "./load-config.ts";

const config = loadMatchingConfig();
const raw = () =>
  structuredClone(config) as unknown as Record<string, unknown> & {
    comparisons: { levels: Record<string, unknown>[] }[];
    thresholds: Record<string, unknown>;
  };

describe("parseMatchingConfig", () => {
  it("accepts the shipped mappings/matching.json", () => {
    expect(config.comparisons.length).toBeGreaterThan(3);
  });

  it("names the file and the field path of a bad m", () => {
    const json = raw();
    json.comparisons[2]!.levels[0]!.m = 1.5;
    expect(() => parseMatchingConfig(CONFIG_FILE, json)).toThrow(
      /^mappings\/matching\.json: comparisons\[2\]\.levels\[0\]\.m: /,
    );
  });

  it("rejects an `else` level that is not last, and review above autoMerge", () => {
    const json = raw();
    json.comparisons[0]!.levels.reverse();
    expect(() => parseMatchingConfig(CONFIG_FILE, json)).toThrow(
      /comparisons\[0\]\.levels\[0\]\.when\.type: the last level must be `else`|`else` must be the last level/,
    );
    const t = raw();
    t.thresholds.review = 0.99;
    t.thresholds.autoMerge = 0.9;
    expect(() => parseMatchingConfig(CONFIG_FILE, t)).toThrow(
      "mappings/matching.json: thresholds.review: must not exceed thresholds.autoMerge",
    );
  });

  it("rejects unknown keys and unknown training rules", () => {
    expect(() => parseMatchingConfig(CONFIG_FILE, { ...raw(), extra: 1 })).toThrow(
      /^mappings\/matching\.json: \(root\): /,
    );
    const json = raw() as unknown as { estimation: { trainingRules: string[] } };
    json.estimation.trainingRules = ["nope"];
    expect(() => parseMatchingConfig(CONFIG_FILE, json)).toThrow(
      'mappings/matching.json: estimation.trainingRules[0]: no blocking rule is named "nope"',
    );
  });
});

describe("normalization", () => {
  const providers = config.email.providers;
  it("applies gmail dot and +tag rules, googlemail alias, and leaves others' dots", () => {
    expect(normalizeEmail(" John.Smith+news@GoogleMail.com ", providers)?.email).toBe(
      "johnsmith@gmail.com",
    );
    expect(normalizeEmail("j.smith@acme.com", providers)).toEqual({
      email: "j.smith@acme.com",
      local: "j.smith",
      domain: "acme.com",
    });
    expect(normalizeEmail("not-an-email", providers)).toBeNull();
  });
  it("maps nicknames to formal names", () => {
    for (const [nick, formal] of [
      ["bill", "william"],
      ["bob", "robert"],
      ["liz", "elizabeth"],
      ["peggy", "margaret"],
      ["william", "william"],
      ["zelda", "zelda"],
    ])
      expect(formalName(nick!)).toBe(formal);
  });
  it("strips company legal suffixes and names' accents and punctuation", () => {
    expect(normalizeCompany("Acme Co., Ltd.")).toBe("acme");
    expect(normalizeCompany("The Globex Corporation")).toBe("globex");
    expect(normalizeCompany("Siemens GmbH")).toBe("siemens");
    expect(normalizeCompany("Nakatomi K.K.")).toBe("nakatomi");
    expect(normalizeCompany("Inc")).toBe("inc");
    expect(normalizeName("  José  O'Brien-Smith ")).toBe("jose obrien smith");
  });
  it("normalizes phones, dates and postcodes", () => {
    expect(normalizePhone("(415) 555-0123")).toBe("+14155550123");
    expect(normalizePhone("+1 415.555.0123")).toBe("+14155550123");
    expect(normalizePhone("+81 3-1234-5678")).toBe("+81312345678");
    expect(normalizeDate("1980-03-12")).toBe("19800312");
    expect(normalizeDate("19800312")).toBe("19800312");
    expect(normalizeDate("3/12/1980")).toBe("19800312");
    expect(normalizeDate("12 March 1980")).toBe("19800312");
    expect(normalizePostcode(" sw1a 1aa ")).toBe("SW1A1AA");
  });
  it("computes Jaro-Winkler and Damerau-Levenshtein", () => {
    expect(jaroWinkler("martha", "marhta")).toBeCloseTo(0.961, 3);
    expect(damerauLevenshtein("19800312", "19803012")).toBe(1);
    expect(damerauLevenshtein("kitten", "sitting")).toBe(3);
    expect(damerauLevenshtein("kitten", "sitting", 1)).toBe(2);
  });
});

describe("scoring", () => {
  const { records } = generateCrm(300, 3);
  const result = matchRecords(records, config);

  it("evidence weights sum to the total weight", () => {
    expect(result.pairs.length).toBeGreaterThan(100);
    for (const pair of result.pairs) {
      const sum = pair.evidence.reduce((s, e) => s + e.weight, 0);
      expect(sum).toBeCloseTo(pair.weight, 9);
      expect(pair.evidence[0]!.field).toBe("prior");
    }
  });

  it("is symmetric: score(a, b) = score(b, a)", () => {
    const field = fc.option(fc.string({ maxLength: 12 }), { nil: null });
    const record = fc.record({
      id: fc.string(),
      fields: fc.record({
        firstName: field,
        lastName: field,
        email: field,
        phone: field,
        mobilePhone: field,
        company: field,
        birthDate: field,
        postalCode: field,
        city: field,
      }),
    });
    const real = fc.constantFrom(...records);
    fc.assert(
      fc.property(fc.oneof(record, real), fc.oneof(record, real), (a, b) => {
        const ab = result.scorePair(a, b);
        const ba = result.scorePair(b, a);
        expect(ba.weight).toBe(ab.weight);
        expect(ba.probability).toBe(ab.probability);
      }),
      { numRuns: 300 },
    );
  });

  it("clusters merge decisions transitively", () => {
    const p = (a: string, b: string, decision: Pair["decision"]): Pair => ({
      a,
      b,
      decision,
      probability: 0,
      weight: 0,
      evidence: [],
    });
    expect(clusters([p("a", "b", "merge"), p("c", "b", "merge"), p("d", "e", "review")])).toEqual([
      ["a", "b", "c"],
    ]);
  });
});
