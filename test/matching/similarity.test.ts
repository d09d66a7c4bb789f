import fc from "fast-check";
import jaroWinklerPackage from "jaro-winkler";
import { describe, expect, it } from "vitest";
import { passes } from "../../src/core/matching/compare.ts";
import type { LevelTest } from "../../src/core/matching/config.ts";
import {
  damerauLevenshtein,
  jaroWinkler,
  jaroWinklerOrdered,
  jaroWinklerPrefixes,
} from "../../src/core/matching/similarity.ts";

/** Strings of every kind: any UTF-16 code units, ASCII, and few letters (many matches and transpositions). */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 24 }),
  fc.string({ unit: fc.constantFrom("m", "a", "r", "t", "h", "@", "."), maxLength: 12 }),
);

/** A string and a variant of it (edited, shifted or truncated), so pairs are often similar. */
const similarPair = fc
  .tuple(text, fc.nat(30), fc.nat(30), text)
  .map(([a, i, j, insert]) => [a, a.slice(0, i) + insert.slice(0, 2) + a.slice(j)] as const);

const pair = fc.oneof(fc.tuple(text, text), similarPair);

/** The wrapper the matcher used around the package: symmetric by ordering the arguments. */
const packageSymmetric = (a: string, b: string) =>
  a === b ? 1 : a < b ? jaroWinklerPackage(a, b) : jaroWinklerPackage(b, a);

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12);

describe("Jaro-Winkler", () => {
  it("returns what the jaro-winkler package returns, for arbitrary strings in either order", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        close(jaroWinklerOrdered(a, a.length, b, b.length), jaroWinklerPackage(a, b));
        close(jaroWinklerOrdered(b, b.length, a, a.length), jaroWinklerPackage(b, a));
        close(jaroWinkler(a, b), packageSymmetric(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it("of prefixes (an email's local parts) is the package's value of the sliced strings", () => {
    fc.assert(
      fc.property(pair, fc.nat(31), fc.nat(31), ([a, b], i, j) => {
        const la = Math.min(i, a.length);
        const lb = Math.min(j, b.length);
        close(jaroWinklerPrefixes(a, la, b, lb), packageSymmetric(a.slice(0, la), b.slice(0, lb)));
      }),
      { numRuns: 10_000 },
    );
  });

  it("is the same when a pair is asked again at once (levels at two thresholds)", () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const first = jaroWinkler(a, b);
        expect(jaroWinkler(a, b)).toBe(first);
        expect(jaroWinkler(b, a)).toBe(first);
      }),
    );
  });
});

/** Optimal-string-alignment distance, the plain way (a full table). */
function referenceOsa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

describe("Damerau-Levenshtein", () => {
  it("is the optimal-string-alignment distance, within max or reported above it", () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 0, max: 4 }), ([a, b], max) => {
        const exact = referenceOsa(a, b);
        expect(damerauLevenshtein(a, b)).toBe(exact);
        const bounded = damerauLevenshtein(a, b, max);
        expect(bounded <= max).toBe(exact <= max);
        if (exact <= max) expect(bounded).toBe(exact);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("level tests", () => {
  const local = (email: string) => email.slice(0, email.lastIndexOf("@"));
  /** The tests as written with slices, before they stopped allocating. */
  const sliced: Record<string, (test: LevelTest, a: string, b: string) => boolean> = {
    prefix: (t, a, b) =>
      t.type === "prefix" && a.length >= t.length && a.slice(0, t.length) === b.slice(0, t.length),
    suffix: (t, a, b) =>
      t.type === "suffix" && a.length >= t.length && a.slice(-t.length) === b.slice(-t.length),
    emailLocal: (_, a, b) => local(a) === local(b),
    emailLocalJaroWinkler: (t, a, b) =>
      t.type === "emailLocalJaroWinkler" && packageSymmetric(local(a), local(b)) >= t.threshold,
  };
  const test = fc.oneof(
    fc.record({ type: fc.constant("prefix" as const), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ type: fc.constant("suffix" as const), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ type: fc.constant("emailLocal" as const) }),
    fc.record({
      type: fc.constant("emailLocalJaroWinkler" as const),
      threshold: fc.double({ min: 0.5, max: 1, noNaN: true }),
    }),
  );

  it("prefix, suffix and email local part decide as the slicing versions did", () => {
    fc.assert(
      fc.property(test, pair, (t, [a, b]) => {
        expect(passes(t, "email", a, b)).toBe(sliced[t.type]!(t, a, b));
      }),
      { numRuns: 10_000 },
    );
  });
});
