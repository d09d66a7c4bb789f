import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emailAddress } from "../../src/core/contact.ts";
import { shippedIdentity } from "../helpers/mappings.ts";

/**
 * One email normaliser (`normalizeEmail` in src/core/matching/normalize.ts), two uses:
 * `emailAddress` (no provider rules: the address a system stores, for comparing and for
 * looking a person up there) and `Identity.emailKey` (the provider rules of
 * mappings/matching.json on top: the mailbox identity resolution and tombstones join on).
 */
const identity = shippedIdentity();
const key = (value: unknown) => identity.emailKey(value);

const letters = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
  minLength: 1,
  maxLength: 12,
});
const localChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+",
);
const local = fc
  .string({ unit: localChar, minLength: 1, maxLength: 20 })
  .filter((s) => /[a-z0-9]/i.test(s.split("+")[0]!.replace(/\./g, "")));
const domain = fc.oneof(
  fc.constantFrom(
    "gmail.com",
    "googlemail.com",
    "GMail.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "acme.example",
  ),
  fc.tuple(letters, fc.constantFrom("com", "co.jp", "de")).map(([d, tld]) => `${d}.${tld}`),
);
const space = fc.constantFrom("", " ", "  ", "\t");
/**
 * Addresses as people type them: any case, dots and +tags, surrounding whitespace; the part
 * before a +tag has a letter or digit, so a provider's rules never leave the local part empty.
 */
const address = fc
  .tuple(space, local, domain, space)
  .map(([before, l, d, after]) => `${before}${l}@${d}${after}`);

/** The gmail mailbox `name` written another way: dots anywhere, any case, a +tag, googlemail. */
const gmailVariant = (name: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }),
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }),
      fc.option(letters, { nil: undefined }),
      fc.constantFrom("gmail.com", "googlemail.com", "GoogleMail.com", "GMAIL.COM"),
      space,
    )
    .map(([dots, upper, tag, d, pad]) => {
      const chars = [...name].map(
        (c, i) => `${upper[i] ? c.toUpperCase() : c}${dots[i] && i < name.length - 1 ? "." : ""}`,
      );
      return `${pad}${chars.join("")}${tag ? `+${tag}` : ""}@${d}${pad}`;
    });

describe("the one email normaliser", () => {
  it("emailAddress is the address as a system stores it: trimmed, lower-cased, no provider rules", () => {
    expect(emailAddress(" Jane.Doe+news@GoogleMail.com ")).toBe("jane.doe+news@googlemail.com");
    expect(emailAddress("J.Smith@Acme.example")).toBe("j.smith@acme.example");
    expect(emailAddress("not-an-email")).toBeNull();
    expect(emailAddress("@acme.example")).toBeNull();
    expect(emailAddress(42)).toBeNull();
  });

  it("the identity key is the mailbox under the provider rules", () => {
    expect(key(" Jane.Doe+news@GoogleMail.com ")).toBe("janedoe@gmail.com");
    expect(key("Jane.Doe+news@hotmail.com")).toBe("jane.doe@hotmail.com");
    expect(key("jane+x@me.com")).toBe("jane@icloud.com");
    expect(key("J.Smith@Acme.example")).toBe("j.smith@acme.example");
  });

  it("both forms are idempotent, and the key is the provider rules applied on top of the address", () => {
    fc.assert(
      fc.property(address, (raw) => {
        const plain = emailAddress(raw);
        const canonical = key(raw);
        expect(plain === null).toBe(canonical === null);
        if (plain === null || canonical === null) return;
        expect(emailAddress(plain)).toBe(plain);
        expect(key(canonical)).toBe(canonical);
        expect(key(plain)).toBe(canonical);
        expect(emailAddress(canonical)).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it("every way of writing one gmail mailbox has the same key, and a different mailbox does not", () => {
    const variants = letters.chain((name) =>
      fc.tuple(fc.constant(name), gmailVariant(name), letters),
    );
    fc.assert(
      fc.property(variants, ([name, variant, other]) => {
        expect(key(variant)).toBe(`${name}@gmail.com`);
        if (other !== name) expect(key(`${other}@gmail.com`)).not.toBe(key(variant));
      }),
      { numRuns: 2000 },
    );
  });
});
