import { z } from "zod";
import type { FieldValue, SystemName } from "../../connectors/contract.ts";
import { normalizeEmail } from "./matching/normalize.ts";

/** Canonical contact fields: the hub's own vocabulary, independent of any system. */
export const CANONICAL_FIELDS = [
  "email",
  "firstName",
  "lastName",
  "phone",
  "mobilePhone",
  "company",
  "title",
  "website",
  "street",
  "city",
  "state",
  "postalCode",
  "country",
  "industry",
  "numberOfEmployees",
  "lifecycleStage",
  "leadStatus",
  "leadSource",
  "birthDate",
  "description",
  "leadScore",
  "leadGrade",
  "scoreSummary",
] as const;

/** Fields the hub computes (lead scoring); mappings may only write them out. */
export const COMPUTED_FIELDS = ["leadScore", "leadGrade", "scoreSummary"] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];
export const CanonicalFieldSchema = z.enum(CANONICAL_FIELDS);

const text = z.string().nullable();
export const ContactAttributesSchema = z
  .object({
    email: z.email().nullable(),
    firstName: text,
    lastName: text,
    phone: text,
    mobilePhone: text,
    company: text,
    title: text,
    website: text,
    street: text,
    city: text,
    state: text,
    postalCode: text,
    country: text,
    industry: text,
    numberOfEmployees: z.number().int().nonnegative().nullable(),
    lifecycleStage: text,
    leadStatus: text,
    leadSource: text,
    birthDate: z.iso.date().nullable(),
    description: text,
    leadScore: z.number().int().nullable(),
    leadGrade: text,
    scoreSummary: text,
  })
  .partial();
export type ContactAttributes = z.infer<typeof ContactAttributesSchema>;

export type CanonicalValues = Partial<Record<CanonicalField, FieldValue>>;

/** A value as one system last showed it to the hub, and since when. */
export interface Observation {
  value: FieldValue;
  at: number;
  /** A blank found by a merge while the other person held a value: it counts as the oldest observation. */
  blankAtMerge?: true;
}
export type Observed = Partial<Record<CanonicalField, Observation>>;

/** Who supplied the winning value of a golden field. */
export interface FieldProvenance {
  value: FieldValue;
  system: SystemName;
  at: number;
}
export type Golden = Partial<Record<CanonicalField, FieldProvenance>>;

/** Consent state per `channel/purpose` key, as one linked record last showed it. */
export type LinkConsent = Record<string, "opted_in" | "opted_out">;

export interface Link {
  system: SystemName;
  object: string;
  externalId: string;
  observed: Observed;
  consent?: LinkConsent;
  lastSyncedAt: number | null;
  /** The hub created the record there (see `shareASystem`); absent for a record its system made. */
  createdByHub?: true;
}

/** What other systems are given of a lead score (see `scoring/publish.ts`). */
export interface PublishedScore {
  total: number;
  grade: "A" | "B" | "C" | "D";
  lifecycleStage: string;
  summary: string;
}

/** A person's lead score: as last computed, and as last written to other systems. */
export interface StoredScore {
  current: PublishedScore & {
    fit: number;
    engagement: number;
    reasons: { rule: string; points: number }[];
  };
  computedAt: number;
  published: PublishedScore | null;
  /** Recency/frequency/monetary quintiles among buyers, from the last rescore job (buyers only). */
  rfm?: {
    recencyDays: number;
    frequency: number;
    monetary: number;
    code: string;
    segment: string;
  } | null;
}

export interface Contact {
  id: string;
  golden: Golden;
  links: Link[];
  createdAt: number;
  updatedAt: number;
  score?: StoredScore | null;
}

export const isBlank = (value: FieldValue | undefined): boolean =>
  value === null || value === undefined || (typeof value === "string" && value.trim() === "");

export const sameValue = (a: FieldValue | undefined, b: FieldValue | undefined): boolean =>
  (isBlank(a) && isBlank(b)) || a === b;

/**
 * An email address as a system knows it: trimmed and lower-cased by the one email
 * normaliser (`normalizeEmail` in matching/normalize.ts) without provider rules; null
 * unless it has a local part and a domain. For comparing addresses and for looking a
 * person up in a system by email, which must send the address as written there. It is not
 * an identity key: identity joins on the provider-canonical mailbox (`Identity.emailKey`),
 * where Jane.Doe+news@googlemail.com and janedoe@gmail.com are one person.
 */
export function emailAddress(value: FieldValue | undefined): string | null {
  return typeof value === "string" ? (normalizeEmail(value)?.email ?? null) : null;
}

export const linkKey = (link: Pick<Link, "system" | "object" | "externalId">) =>
  `${link.system}/${link.object}/${link.externalId}`;

/** The plain values of a golden record (or of what one link observed). */
export function attributesOf(
  fields: Partial<Record<CanonicalField, { value: FieldValue }>>,
): CanonicalValues {
  const values: CanonicalValues = {};
  for (const [field, entry] of Object.entries(fields) as [
    CanonicalField,
    { value: FieldValue },
  ][]) {
    values[field] = entry.value;
  }
  return values;
}
