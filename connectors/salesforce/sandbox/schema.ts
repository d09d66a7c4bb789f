/**
 * Field catalog, ids and value formats of the simulated org. Field names, lengths and
 * error texts follow the standard objects as the REST API describes them (Lead/Contact
 * here, the consent and activity objects in objects.ts).
 */
import {
  CAMPAIGN,
  CAMPAIGN_MEMBER,
  CONTACT_POINT_TYPE_CONSENT,
  DATA_USE_PURPOSE,
  EVENT,
  INDIVIDUAL,
  TASK,
} from "./objects.ts";

export type PersonType = "Lead" | "Contact";
export type SObjectType =
  | PersonType
  | "Individual"
  | "DataUsePurpose"
  | "ContactPointTypeConsent"
  | "Task"
  | "Event"
  | "Campaign"
  | "CampaignMember";
export const PERSON_TYPES: readonly PersonType[] = ["Lead", "Contact"];
export const SOBJECT_TYPES: readonly SObjectType[] = [
  "Lead",
  "Contact",
  "Individual",
  "DataUsePurpose",
  "ContactPointTypeConsent",
  "Task",
  "Event",
  "Campaign",
  "CampaignMember",
];

export type FieldType =
  | "id"
  | "string"
  | "email"
  | "phone"
  | "url"
  | "picklist"
  | "textarea"
  | "boolean"
  | "int"
  | "double"
  | "datetime"
  | "date"
  | "reference";

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  /** Writable through the API (false for Id, Name, audit fields, IsConverted). */
  writable: boolean;
  /** Lookup targets of a reference field, checked on write. */
  referenceTo?: SObjectType[];
  /** Values of a restricted picklist (anything else is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  values?: string[];
  /** External ID field: usable as the key of PATCH /composite/sobjects/{T}/{field}. */
  externalId?: boolean;
  /** Unique field: a second record with the same value is DUPLICATE_VALUE. */
  unique?: boolean;
}

export type FieldValue = string | number | boolean | null;
/** Stored record: datetimes as epoch ms, everything else as the API returns it. */
export type StoredRecord = Record<string, FieldValue>;

function f(
  name: string,
  type: FieldType,
  length?: number,
  writable = true,
  label = name,
): FieldDef {
  return { name, label, type, length, writable };
}

const COMMON: FieldDef[] = [
  f("Id", "id", 18, false, "Record ID"),
  f("FirstName", "string", 40, true, "First Name"),
  f("LastName", "string", 80, true, "Last Name"),
  f("Name", "string", 121, false, "Full Name"),
  f("Email", "email", 80),
  f("Phone", "phone", 40),
  f("MobilePhone", "phone", 40, true, "Mobile Phone"),
  f("Title", "string", 128),
  f("LeadSource", "picklist", 255, true, "Lead Source"),
  f("HasOptedOutOfEmail", "boolean", undefined, true, "Email Opt Out"),
  f("DoNotCall", "boolean", undefined, true, "Do Not Call"),
  { ...f("IndividualId", "reference", 18, true, "Individual ID"), referenceTo: ["Individual"] },
  f("Description", "textarea", 32000),
  f("CreatedDate", "datetime", undefined, false, "Created Date"),
  f("LastModifiedDate", "datetime", undefined, false, "Last Modified Date"),
  f("SystemModstamp", "datetime", undefined, false, "System Modstamp"),
  f("Tsunagu_Score__c", "double", undefined, true, "Tsunagu Score"),
  f("Tsunagu_Grade__c", "string", 10, true, "Tsunagu Grade"),
  f("Tsunagu_Score_Reasons__c", "string", 255, true, "Tsunagu Score Reasons"),
  f("IsDeleted", "boolean", undefined, false, "Deleted"),
  { ...f("MasterRecordId", "reference", 18, false, "Master Record ID") },
];

const LEAD_ONLY: FieldDef[] = [
  f("Company", "string", 255),
  f("City", "string", 40),
  f("State", "string", 80, true, "State/Province"),
  f("PostalCode", "string", 20, true, "Zip/Postal Code"),
  f("Country", "string", 80),
  f("Website", "url", 255),
  f("Status", "picklist", 255),
  f("Industry", "picklist", 255),
  f("NumberOfEmployees", "int", undefined, true, "Employees"),
  f("IsConverted", "boolean", undefined, false, "Converted"),
];

const CONTACT_ONLY: FieldDef[] = [
  f("MailingCity", "string", 40, true, "Mailing City"),
  f("MailingState", "string", 80, true, "Mailing State/Province"),
  f("MailingPostalCode", "string", 20, true, "Mailing Zip/Postal Code"),
  f("MailingCountry", "string", 80, true, "Mailing Country"),
];

function catalog(defs: FieldDef[]): Map<string, FieldDef> {
  return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
}

/** Field definitions keyed by lower-cased API name (field names are case-insensitive). */
export const FIELD_CATALOG: Record<SObjectType, Map<string, FieldDef>> = {
  Lead: catalog([...COMMON, ...LEAD_ONLY]),
  Contact: catalog([...COMMON, ...CONTACT_ONLY]),
  Individual: catalog(INDIVIDUAL),
  DataUsePurpose: catalog(DATA_USE_PURPOSE),
  ContactPointTypeConsent: catalog(CONTACT_POINT_TYPE_CONSENT),
  Task: catalog(TASK),
  Event: catalog(EVENT),
  Campaign: catalog(CAMPAIGN),
  CampaignMember: catalog(CAMPAIGN_MEMBER),
};

export const REQUIRED_FIELDS: Record<SObjectType, string[]> = {
  Lead: ["LastName", "Company"],
  Contact: ["LastName"],
  Individual: ["LastName"],
  DataUsePurpose: ["Name"],
  ContactPointTypeConsent: ["Name", "PartyId"],
  Task: [],
  Event: [],
  Campaign: ["Name"],
  CampaignMember: ["CampaignId"],
};

/**
 * Key prefixes. Lead 00Q, Contact 003, Task 00T, Event 00U, Campaign 701, CampaignMember 00v
 * and Individual 0PK are the real ones; DataUsePurpose 0ZW and ContactPointTypeConsent 0ZY
 * are plausible stand-ins (not confirmed against an org). Code must not depend on them.
 */
export const KEY_PREFIX: Record<SObjectType, string> = {
  Lead: "00Q",
  Contact: "003",
  Individual: "0PK",
  DataUsePurpose: "0ZW",
  ContactPointTypeConsent: "0ZY",
  Task: "00T",
  Event: "00U",
  Campaign: "701",
  CampaignMember: "00v",
};

/** The object an id belongs to, by its key prefix. */
export function typeOfId(id: string): SObjectType | undefined {
  return SOBJECT_TYPES.find((t) => id.startsWith(KEY_PREFIX[t]));
}

export function sobjectTypeOf(name: string): SObjectType | undefined {
  return SOBJECT_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
}

export function fieldDef(type: SObjectType, name: string): FieldDef | undefined {
  return FIELD_CATALOG[type].get(name.toLowerCase());
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/** The 3-character case-safe suffix that turns a 15-char id into its 18-char form. */
export function idSuffix(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= "A" && c <= "Z") flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(flags);
  }
  return suffix;
}

export function to18(id15: string): string {
  return id15.length === 15 ? id15 + idSuffix(id15) : id15;
}

/** Ids are equal when their first 15 (case-sensitive) characters are. */
export function sameId(a: string, b: string): boolean {
  return a.length >= 15 && b.length >= 15 && a.slice(0, 15) === b.slice(0, 15);
}

export function looksLikeId(id: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id);
}

/** Makes 18-char ids: key prefix + pod "5g" + zero-padded base62 counter (+ suffix). */
export function createIdFactory(pod = "5g"): (prefix: string) => string {
  let counter = 0;
  return (prefix: string) => {
    counter++;
    let n = counter;
    let body = "";
    while (n > 0) {
      body = BASE62.charAt(n % 62) + body;
      n = Math.floor(n / 62);
    }
    const id15 = `${prefix}${pod}${body.padStart(15 - prefix.length - pod.length, "0")}`;
    return to18(id15);
  };
}

/** REST datetime format: milliseconds and "+0000", not "Z". */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** SOAP (Outbound Message) datetime format: ISO 8601 with "Z". */
export function formatSoapDatetime(ms: number): string {
  return new Date(ms).toISOString();
}
