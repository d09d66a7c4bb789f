/**
 * Pure mapping between Salesforce consent data and ConsentStatements: opt-out checkboxes
 * on Lead/Contact (HasOptedOutOfEmail, DoNotCall) and ContactPointTypeConsent records of the
 * person's Individual. No I/O here.
 */
import type { ConsentChannel, ConsentStatement } from "../contract.ts";
import { optOutBoxStatement } from "../shared/opt-out-box.ts";
import type { SalesforceRecord } from "./api-types.ts";
import { parseSalesforceDatetime } from "./contacts.ts";

export interface ConsentFieldMapping {
  field: string;
  channel: ConsentChannel;
  purpose: string | null;
}

export interface ConsentPurposeMapping {
  purpose: string;
  channel: ConsentChannel;
  dataUsePurposeName: string;
}

export interface SalesforceConsentOptions {
  /** Opt-out checkboxes on Lead/Contact (default HasOptedOutOfEmail -> email, DoNotCall -> phone). */
  fields?: ConsentFieldMapping[];
  /** Per-purpose consent in ContactPointTypeConsent records of the person's Individual. */
  individual?: { purposes: ConsentPurposeMapping[] };
}

export const DEFAULT_CONSENT_FIELDS: ConsentFieldMapping[] = [
  { field: "HasOptedOutOfEmail", channel: "email", purpose: null },
  { field: "DoNotCall", channel: "phone", purpose: null },
];

/** ContactPointType has no SMS value: texts are consented on the "Phone" type. */
export const CONTACT_POINT_TYPE: Record<ConsentChannel, string> = {
  email: "Email",
  sms: "Phone",
  phone: "Phone",
};

export const CPTC_FIELDS = [
  "Id",
  "PartyId",
  "DataUsePurposeId",
  "ContactPointType",
  "PrivacyConsentStatus",
  "EffectiveFrom",
  "EffectiveTo",
  "CaptureDate",
  "CaptureSource",
  "SystemModstamp",
];

/**
 * A checked box is an explicit opt-out as of the record's SystemModstamp (the field's own
 * change time is not available without field history). An unchecked box is only implied
 * consent: `explicit: false`, never presented as an opt-in someone gave.
 */
export function fieldStatements(
  record: SalesforceRecord,
  mappings: ConsentFieldMapping[],
): ConsentStatement[] {
  const occurredAt = parseSalesforceDatetime(record.SystemModstamp);
  return mappings.map((m) =>
    optOutBoxStatement({
      channel: m.channel,
      purpose: m.purpose,
      checked: record[m.field] === true,
      occurredAt,
      kind: "salesforce_field",
      field: m.field,
    }),
  );
}

/**
 * OptIn/OptOut records become explicit statements for every configured purpose with the
 * same DataUsePurpose and ContactPointType. Seen/NotSeen say nothing about consent and are
 * skipped, as are records past their EffectiveTo. Disagreeing records all come back: the
 * hub merges (Salesforce's own Consent API would answer the least permissive).
 */
export function consentRecordStatements(
  record: SalesforceRecord,
  purposes: ConsentPurposeMapping[],
  purposeIds: Map<string, string>,
  now: number,
): ConsentStatement[] {
  const status = record.PrivacyConsentStatus;
  if (status !== "OptIn" && status !== "OptOut") return [];
  const effectiveTo = parseSalesforceDatetime(record.EffectiveTo);
  if (effectiveTo > 0 && effectiveTo < now) return [];
  const occurredAt =
    parseSalesforceDatetime(record.EffectiveFrom) ||
    parseSalesforceDatetime(record.CaptureDate) ||
    parseSalesforceDatetime(record.SystemModstamp);
  return purposes
    .filter(
      (p) =>
        sameId(purposeIds.get(p.dataUsePurposeName), record.DataUsePurposeId) &&
        CONTACT_POINT_TYPE[p.channel] === record.ContactPointType,
    )
    .map((p) => ({
      channel: p.channel,
      purpose: p.purpose,
      state: status === "OptIn" ? "opted_in" : "opted_out",
      explicit: true,
      occurredAt,
      evidence: {
        kind: "salesforce_consent",
        ref: record.Id,
        ...(typeof record.CaptureSource === "string" ? { note: record.CaptureSource } : {}),
      },
    }));
}

function sameId(a: unknown, b: unknown): boolean {
  return (
    typeof a === "string" &&
    typeof b === "string" &&
    a.length >= 15 &&
    a.slice(0, 15) === b.slice(0, 15)
  );
}

export interface ConsentPlan {
  /** Opt-out checkbox values to set (only changes from what the record holds are sent). */
  fields: Record<string, boolean>;
  /** ContactPointTypeConsent states to make true. */
  purposes: Array<{ mapping: ConsentPurposeMapping; status: "OptIn" | "OptOut"; at: number }>;
}

/**
 * What a ConsentWrite's statements mean here. Opt-out: check the box mapped to that exact
 * channel/purpose, and OptOut the matching purposes (a channel-wide opt-out with no box for
 * the channel OptOuts every purpose of it). Opt-in: only explicit ones; OptIn the matching
 * purposes, and uncheck a box only when it maps to exactly that channel/purpose.
 */
export function planConsentWrite(
  statements: ConsentStatement[],
  fields: ConsentFieldMapping[],
  purposes: ConsentPurposeMapping[],
): ConsentPlan {
  const plan: ConsentPlan = { fields: {}, purposes: [] };
  const setPurpose = (mapping: ConsentPurposeMapping, status: "OptIn" | "OptOut", at: number) => {
    plan.purposes = plan.purposes.filter((p) => p.mapping !== mapping);
    plan.purposes.push({ mapping, status, at });
  };
  for (const s of statements) {
    const boxes = fields.filter((f) => f.channel === s.channel && f.purpose === s.purpose);
    const matching = purposes.filter(
      (p) => p.channel === s.channel && (p.purpose === s.purpose || s.purpose === null),
    );
    if (s.state === "opted_out") {
      for (const box of boxes) plan.fields[box.field] = true;
      const targets = s.purpose === null && boxes.length > 0 ? [] : matching;
      for (const p of targets) setPurpose(p, "OptOut", s.occurredAt);
      continue;
    }
    if (!s.explicit) continue;
    for (const box of boxes) plan.fields[box.field] = false;
    for (const p of matching.filter((m) => m.purpose === s.purpose))
      setPurpose(p, "OptIn", s.occurredAt);
  }
  return plan;
}
