import fc from "fast-check";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { normalizePhone, normalizeText, unicodeText } from "../../src/core/matching/normalize.ts";

/** What normalizePhone returned before its shortcut: libphonenumber for every input. */
function parsed(s: string, country: string) {
  const p = parsePhoneNumberFromString(s, country as CountryCode);
  const digits = s.replace(/\D/g, "");
  return p?.isPossible() ? p.number : digits.length >= 6 ? digits : null;
}

describe("normalization shortcuts give what the full path gives", () => {
  it("North American numbers in the usual formats: the same E.164 as libphonenumber", () => {
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const number = fc.tuple(
      fc.string({ unit: digit, minLength: 10, maxLength: 10 }),
      fc.constantFrom("", "1", "+1", "+1 ", "1-", "1 ", "+1-", "+1."),
      fc.constantFrom(" ", "-", ".", ""),
      fc.boolean(),
    );
    fc.assert(
      fc.property(number, ([d, prefix, sep, parens]) => {
        const area = parens ? `(${d.slice(0, 3)})` : d.slice(0, 3);
        const s = `${prefix}${area}${sep}${d.slice(3, 6)}${sep}${d.slice(6)}`;
        expect(normalizePhone(s, "US")).toBe(parsed(s, "US"));
      }),
      { numRuns: 3000 },
    );
  });

  it("ASCII text: the same as the Unicode path", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 30 }), (s) => {
        expect(normalizeText(s)).toBe(unicodeText(s));
      }),
      { numRuns: 3000 },
    );
  });
});
