import type { FieldValue } from "../../../connectors/contract.ts";

/**
 * Free-mail providers. A domain is free mail when it is listed exactly, or when its first
 * label is a provider family (gmail, yahoo, gmx, yandex...) followed only by a country or
 * generic suffix (`yahoo.co.uk`, `gmx.de`, `hotmail.fr`), so `outlook.acme.com` is not.
 */
const FREE_MAIL_DOMAINS = new Set([
  "qq.com",
  "163.com",
  "126.com",
  "yeah.net",
  "sina.com",
  "sohu.com",
  "aliyun.com",
  "foxmail.com",
  "me.com",
  "mac.com",
  "mail.com",
  "email.com",
  "mail.ru",
  "inbox.ru",
  "list.ru",
  "bk.ru",
  "rambler.ru",
  "proton.me",
  "pm.me",
  "tutanota.com",
  "tuta.io",
  "fastmail.com",
  "hey.com",
  "zohomail.com",
  "web.de",
  "t-online.de",
  "freenet.de",
  "free.fr",
  "orange.fr",
  "laposte.net",
  "sfr.fr",
  "libero.it",
  "virgilio.it",
  "seznam.cz",
  "wp.pl",
  "o2.pl",
  "interia.pl",
  "naver.com",
  "daum.net",
  "hanmail.net",
  "rediffmail.com",
  "btinternet.com",
  "comcast.net",
  "verizon.net",
  "att.net",
  "sbcglobal.net",
  "rocketmail.com",
  "ymail.com",
  "googlemail.com",
  "hotmail.co.uk",
]);
const FREE_MAIL_FAMILIES = new Set([
  "gmail",
  "googlemail",
  "yahoo",
  "ymail",
  "hotmail",
  "outlook",
  "live",
  "msn",
  "aol",
  "icloud",
  "gmx",
  "yandex",
  "protonmail",
]);
const GENERIC_SUFFIX = /^(com|net|org|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$/;

/** The domain part of an email address (or a bare domain), lowercased; null when there is none. */
export function emailDomain(value: FieldValue | undefined): string | null {
  if (typeof value !== "string") return null;
  const domain = value.trim().toLowerCase().split("@").pop()!;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : null;
}

export function isFreeMailDomain(domain: string): boolean {
  if (FREE_MAIL_DOMAINS.has(domain)) return true;
  const dot = domain.indexOf(".");
  return FREE_MAIL_FAMILIES.has(domain.slice(0, dot)) && GENERIC_SUFFIX.test(domain.slice(dot + 1));
}

/**
 * Patterns on URLs and titles. `re:<regex>` is a case-insensitive, unanchored regular
 * expression; anything else is a case-insensitive glob (`*` any run, `?` one character)
 * that must match the whole value, or for URLs the whole path (`/pricing*` and
 * `*://*.acme.com/pricing` both match `https://www.acme.com/pricing`).
 */
export function compilePattern(pattern: string): RegExp {
  let compiled = compiled_.get(pattern);
  if (compiled === undefined) {
    compiled = compileUncached(pattern);
    if (compiled_.size >= 1_000) compiled_.clear();
    compiled_.set(pattern, compiled);
  }
  return compiled;
}
const compiled_ = new Map<string, RegExp>();

function compileUncached(pattern: string): RegExp {
  if (pattern.startsWith("re:")) return new RegExp(pattern.slice(3), "i");
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "i");
}

/** Whether `pattern` is usable: a message when it is not, for config validation. */
export function patternProblem(pattern: string): string | null {
  try {
    compilePattern(pattern);
    return null;
  } catch (error) {
    return `invalid pattern: ${(error as Error).message}`;
  }
}

/**
 * The URL as scoring and dedupe see it: trimmed, lowercased, without query string or
 * fragment (tracking parameters differ between systems) and without a trailing slash.
 */
export function normalizeUrl(value: FieldValue | undefined): string | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  const url = value
    .trim()
    .toLowerCase()
    .replace(/[?#].*$/, "");
  return url.length > 1 ? url.replace(/\/+$/, "") || "/" : url;
}

export const normalizeTitle = (value: string | undefined): string | null =>
  value === undefined || value.trim() === ""
    ? null
    : value.trim().toLowerCase().replace(/\s+/g, " ");

export function urlPath(url: string): string | null {
  if (url.startsWith("/")) return url;
  const match = url.match(/^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/);
  return match ? (match[1] ?? "/") : null;
}

export function matchesUrl(pattern: RegExp, url: string | null): boolean {
  if (url === null) return false;
  if (pattern.test(url)) return true;
  const path = urlPath(url);
  return path !== null && pattern.test(path);
}
