import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import type { EmailProvider } from "./config.ts";

export { formalName } from "./nicknames.ts";

const blank = (s: string | null | undefined): s is null | undefined => s == null || s.trim() === "";

const ascii = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
};

/** Lower case, accents removed, punctuation to spaces, whitespace collapsed. */
export function normalizeText(s: string | null | undefined): string | null {
  if (blank(s)) return null;
  if (ascii(s)) {
    // ASCII text has nothing to decompose: the same result without the Unicode passes.
    const out = s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, " ")
      .trim();
    return out === "" ? null : out;
  }
  return unicodeText(s);
}

/** `normalizeText` for any text: accents decomposed and dropped, letters and digits of every script kept. */
export function unicodeText(s: string): string | null {
  const out = s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  return out === "" ? null : out;
}

/** Names: as text, but apostrophes and dots vanish (o'brien -> obrien, j.r. -> jr). */
export function normalizeName(s: string | null | undefined): string | null {
  if (blank(s)) return null;
  return normalizeText(s.replace(/['’`.]/g, ""));
}

const LEGAL_SUFFIXES = new Set([
  "inc",
  "incorporated",
  "ltd",
  "limited",
  "llc",
  "llp",
  "lp",
  "plc",
  "gmbh",
  "ag",
  "kg",
  "kk",
  "co",
  "company",
  "corp",
  "corporation",
  "sa",
  "sas",
  "sarl",
  "srl",
  "spa",
  "bv",
  "nv",
  "oy",
  "ab",
  "as",
  "pty",
  "pte",
  "pvt",
  "ug",
  "kabushiki",
  "kaisha",
  "group",
  "holdings",
]);

/** Company: text form without trailing legal suffixes (Acme Co., Ltd. -> acme) or "the". */
export function normalizeCompany(s: string | null | undefined): string | null {
  const text = normalizeText(s?.replace(/\./g, ""));
  if (text == null) return null;
  const words = text.split(" ");
  if (words[0] === "the" && words.length > 1) words.shift();
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words.join(" ");
}

export interface NormalizedEmail {
  email: string;
  local: string;
  domain: string;
}

/** Lower-cased email with provider rules (gmail: dots and +tags dropped, googlemail -> gmail). */
export function normalizeEmail(
  s: string | null | undefined,
  providers: readonly EmailProvider[] = [],
): NormalizedEmail | null {
  if (blank(s)) return null;
  const raw = s
    .trim()
    .toLowerCase()
    .replace(/^mailto:/, "");
  const at = raw.lastIndexOf("@");
  if (at <= 0 || at === raw.length - 1) return null;
  let local = raw.slice(0, at);
  let domain = raw.slice(at + 1).replace(/\.$/, "");
  const provider = providers.find((p) => p.domains.includes(domain));
  if (provider) {
    if (provider.stripPlusTag) local = local.split("+")[0]!;
    if (provider.stripDots) local = local.replace(/\./g, "");
    domain = provider.canonicalDomain ?? domain;
  }
  if (local === "") return null;
  return { email: `${local}@${domain}`, local, domain };
}

const phones = new Map<string, string | null>();

/**
 * A North American number written the usual ways ((415) 555-0123, 415.555.0123,
 * +1 415 555 0123, 1-415-555-0123) with the US as the default country: ten digits whose
 * first is 2-9, optionally after a 1. libphonenumber calls all of them possible and gives
 * +1 and the ten digits; parsing costs far more than this test.
 */
const NANP = /^(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})$/;

/** E.164 (+14155550123), or the bare digits when the number does not parse. */
export function normalizePhone(s: string | null | undefined, defaultCountry = "US"): string | null {
  if (blank(s)) return null;
  if (defaultCountry === "US") {
    const m = NANP.exec(s.trim());
    if (m) return `+1${m[1]}${m[2]}${m[3]}`;
  }
  const key = `${defaultCountry} ${s}`;
  const cached = phones.get(key);
  if (cached !== undefined) return cached;
  const parsed = parsePhoneNumberFromString(s, defaultCountry as CountryCode);
  const digits = s.replace(/\D/g, "");
  const out = parsed?.isPossible() ? parsed.number : digits.length >= 6 ? digits : null;
  // Parsing costs far more than a lookup, and the same numbers recur (matching, saving, keys).
  if (phones.size >= 50_000) phones.clear();
  phones.set(key, out);
  return out;
}

const MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ");
const pad = (n: string) => n.padStart(2, "0");

/** YYYYMMDD from YYYYMMDD, YYYY-MM-DD[T...], YYYY/MM/DD, MM/DD/YYYY or "12 Mar 1980". */
export function normalizeDate(s: string | null | undefined): string | null {
  if (blank(s)) return null;
  const t = s.trim().toLowerCase();
  let m = /^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})(?:$|[t\s])/.exec(t);
  if (m && (t.length !== 8 || /^\d{8}$/.test(t))) return `${m[1]}${pad(m[2]!)}${pad(m[3]!)}`;
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(t);
  if (m) return `${m[3]}${pad(m[1]!)}${pad(m[2]!)}`;
  m = /^(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{4})$/.exec(t);
  if (m && MONTHS.includes(m[2]!))
    return `${m[3]}${pad(String(MONTHS.indexOf(m[2]!) + 1))}${pad(m[1]!)}`;
  const digits = t.replace(/\D/g, "");
  return digits === "" ? null : digits;
}

/** Postcode: upper case, no spaces or dashes. */
export function normalizePostcode(s: string | null | undefined): string | null {
  if (blank(s)) return null;
  const out = s.toUpperCase().replace(/[\s-]+/g, "");
  return out === "" ? null : out;
}

/** Identifiers (national id, tax id): letters and digits only, upper case. */
export function normalizeId(s: string | null | undefined): string | null {
  if (blank(s)) return null;
  const out = s.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return out === "" ? null : out;
}

export interface NormalizeOptions {
  providers: readonly EmailProvider[];
  defaultCountry: string;
}

/** The normalized value of one canonical field, chosen by the field's name. */
export function normalizeField(
  field: string,
  value: string | null | undefined,
  options: NormalizeOptions,
): string | null {
  switch (field) {
    case "email":
      return normalizeEmail(value, options.providers)?.email ?? null;
    case "phone":
    case "mobilePhone":
      return normalizePhone(value, options.defaultCountry);
    case "firstName":
    case "lastName":
      return normalizeName(value);
    case "company":
      return normalizeCompany(value);
    case "birthDate":
      return normalizeDate(value);
    case "postalCode":
      return normalizePostcode(value);
    case "nationalId":
      return normalizeId(value);
    default:
      return normalizeText(value);
  }
}
