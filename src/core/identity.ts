import { attributesOf, type CanonicalValues, type Contact } from "./contact.ts";
import { ruleKey } from "./matching/blocking.ts";
import { type PreparedRecord, prepareRecord } from "./matching/compare.ts";
import type { MatchingConfig } from "./matching/config.ts";
import { formalName, normalizeEmail, normalizeName, normalizePhone } from "./matching/normalize.ts";

/** A row of `match_keys`: deterministic identity keys (`email`, `phone`) and blocking keys (`block:<rule>`). */
export interface MatchKey {
  kind: string;
  value: string;
}

export const keyString = (key: MatchKey) => `${key.kind}\u0000${key.value}`;

/**
 * How the hub tells who is who, from `mappings/matching.json`:
 *
 * - Deterministic keys join a record to a person outright: the email normalized with the
 *   provider rules (case, whitespace, Gmail dots and `+tags`), and the phone in E.164
 *   together with the surname and first initial. A phone alone is not an identity (a
 *   switchboard number is shared by an office), nor is phone and surname (a household's
 *   landline is shared by a family).
 * - Blocking keys only nominate candidates for the probabilistic matcher.
 */
export interface Identity {
  readonly config: MatchingConfig;
  emailKey(value: unknown): string | null;
  /** Deterministic keys, strongest first. */
  keys(values: CanonicalValues): MatchKey[];
  /** Every key a stored person is found by: deterministic and blocking, over the golden record and each link. */
  contactKeys(contact: Contact): MatchKey[];
  prepare(id: string, values: CanonicalValues): PreparedRecord;
}

/** Canonical values as the matcher reads them (text; numbers as digits). */
export function matchFields(values: CanonicalValues): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const [field, value] of Object.entries(values))
    fields[field] = value === null || value === undefined ? null : String(value);
  return fields;
}

/** Surname and first initial (of the formal name: Bill and William agree). */
function personName(values: CanonicalValues): string | null {
  const text = (v: unknown) => normalizeName(typeof v === "string" ? v : null);
  const last = text(values.lastName);
  const first = text(values.firstName);
  return last && first ? `${last} ${formalName(first).charAt(0)}` : null;
}

export function createIdentity(config: MatchingConfig): Identity {
  const { providers } = config.email;
  const country = config.phone.defaultCountry;
  const emailKey = (value: unknown) =>
    typeof value === "string" ? (normalizeEmail(value, providers)?.email ?? null) : null;

  function keys(values: CanonicalValues): MatchKey[] {
    const out: MatchKey[] = [];
    const email = emailKey(values.email);
    if (email) out.push({ kind: "email", value: email });
    const name = personName(values);
    if (!name) return out;
    for (const field of ["mobilePhone", "phone"] as const) {
      const raw = values[field];
      const phone = typeof raw === "string" ? normalizePhone(raw, country) : null;
      if (phone?.startsWith("+")) out.push({ kind: "phone", value: `${phone} ${name}` });
    }
    return out;
  }

  const prepare = (id: string, values: CanonicalValues) =>
    prepareRecord({ id, fields: matchFields(values) }, config);

  function blocking(values: CanonicalValues): MatchKey[] {
    const record = prepare("", values);
    const out: MatchKey[] = [];
    for (const rule of config.blocking.rules) {
      const value = ruleKey(record, rule.keys, rule.unordered);
      if (value !== null) out.push({ kind: `block:${rule.name}`, value });
    }
    return out;
  }

  // A batch asks for a person's keys several times (matching, then each save); phone
  // parsing and name normalization dominate, so the keys of recent views are kept.
  const recent = new Map<string, MatchKey[]>();
  function viewKeys(values: CanonicalValues): MatchKey[] {
    const text = JSON.stringify(values);
    let found = recent.get(text);
    if (!found) {
      found = [...keys(values), ...blocking(values)];
      if (recent.size >= RECENT_VIEWS) recent.delete(recent.keys().next().value!);
      recent.set(text, found);
    }
    return found;
  }

  return {
    config,
    emailKey,
    keys,
    prepare,
    contactKeys(contact) {
      const seen = new Map<string, MatchKey>();
      const views = [
        attributesOf(contact.golden),
        ...contact.links.map((link) => attributesOf(link.observed)),
      ];
      for (const values of views) for (const key of viewKeys(values)) seen.set(keyString(key), key);
      return [...seen.values()];
    },
  };
}

const RECENT_VIEWS = 5_000;
