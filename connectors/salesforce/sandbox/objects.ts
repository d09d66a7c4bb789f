/**
 * Field catalogs of the consent and activity objects (Object Reference, API 62.0):
 * Individual, DataUsePurpose, ContactPointTypeConsent, Task, Event, Campaign and
 * CampaignMember. Only the fields tsunagu reads or writes, plus the audit fields.
 */
import type { FieldDef, FieldType, SObjectType } from "./schema.ts";

function f(
  name: string,
  type: FieldType,
  extra: Partial<Omit<FieldDef, "name" | "type">> = {},
): FieldDef {
  return { name, label: extra.label ?? name, type, writable: extra.writable ?? true, ...extra };
}
const ref = (name: string, to: SObjectType[], extra: Partial<FieldDef> = {}) =>
  f(name, "reference", { length: 18, referenceTo: to, ...extra });

export const AUDIT: FieldDef[] = [
  f("CreatedDate", "datetime", { writable: false, label: "Created Date" }),
  f("LastModifiedDate", "datetime", { writable: false, label: "Last Modified Date" }),
  f("SystemModstamp", "datetime", { writable: false, label: "System Modstamp" }),
];
const ID = f("Id", "id", { length: 18, writable: false, label: "Record ID" });

/** ContactPointType / CaptureContactPointType: there is no SMS value (texts are "Phone"). */
export const CONTACT_POINT_TYPES = ["Email", "MailingAddress", "Phone", "Social", "Web"];
export const PRIVACY_CONSENT_STATUSES = ["OptIn", "OptOut", "Seen", "NotSeen"];
/** Default CampaignMemberStatus values of a new campaign and whether each counts as a response. */
export const CAMPAIGN_MEMBER_STATUSES: Record<string, boolean> = { Sent: false, Responded: true };

export const INDIVIDUAL: FieldDef[] = [
  ID,
  f("FirstName", "string", { length: 40, label: "First Name" }),
  f("LastName", "string", { length: 80, label: "Last Name" }),
  f("Name", "string", { length: 121, writable: false, label: "Full Name" }),
  f("HasOptedOutTracking", "boolean", { label: "Don't Track" }),
  f("HasOptedOutProcessing", "boolean", { label: "Don't Process" }),
  f("HasOptedOutSolicit", "boolean", { label: "Don't Market" }),
  f("ShouldForget", "boolean", { label: "Forget this Individual" }),
  ...AUDIT,
];

export const DATA_USE_PURPOSE: FieldDef[] = [
  ID,
  f("Name", "string", { length: 80 }),
  f("Description", "textarea", { length: 1000 }),
  f("CanDataSubjectOptOut", "boolean", { label: "Can Data Subject Opt Out" }),
  ...AUDIT,
];

export const CONTACT_POINT_TYPE_CONSENT: FieldDef[] = [
  ID,
  f("Name", "string", { length: 255 }),
  ref("PartyId", ["Individual"], { label: "Party ID" }),
  ref("DataUsePurposeId", ["DataUsePurpose"], { label: "Data Use Purpose ID" }),
  f("ContactPointType", "picklist", { length: 255, values: CONTACT_POINT_TYPES }),
  f("PrivacyConsentStatus", "picklist", {
    length: 255,
    values: PRIVACY_CONSENT_STATUSES,
    label: "Privacy Consent Status",
  }),
  f("EffectiveFrom", "datetime", { label: "Effective From" }),
  f("EffectiveTo", "datetime", { label: "Effective To" }),
  f("CaptureDate", "datetime", { label: "Capture Date" }),
  f("CaptureSource", "string", { length: 255, label: "Capture Source" }),
  f("CaptureContactPointType", "picklist", { length: 255, values: CONTACT_POINT_TYPES }),
  f("DoubleConsentCaptureDate", "datetime"),
  ...AUDIT,
];

const WHO = ref("WhoId", ["Lead", "Contact"], { label: "Name ID" });

export const TASK: FieldDef[] = [
  ID,
  WHO,
  f("Subject", "string", { length: 255 }),
  f("Description", "textarea", { length: 32000 }),
  f("ActivityDate", "date", { label: "Due Date Only" }),
  f("Status", "picklist", {
    length: 255,
    values: ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"],
  }),
  f("Priority", "picklist", { length: 40, values: ["High", "Normal", "Low"] }),
  f("Type", "picklist", { length: 40 }),
  f("TaskSubtype", "picklist", {
    length: 40,
    values: ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"],
  }),
  f("IsClosed", "boolean", { writable: false, label: "Closed" }),
  f("CompletedDateTime", "datetime", { writable: false, label: "Completed Date/Time" }),
  f("Tsunagu_Key__c", "string", {
    length: 255,
    externalId: true,
    unique: true,
    label: "Tsunagu Key",
  }),
  ...AUDIT,
];

export const EVENT: FieldDef[] = [
  ID,
  WHO,
  f("Subject", "string", { length: 255 }),
  f("Description", "textarea", { length: 32000 }),
  f("Location", "string", { length: 255 }),
  f("Type", "picklist", { length: 40 }),
  f("EventSubtype", "picklist", { length: 40, values: ["Event"] }),
  f("StartDateTime", "datetime", { label: "Start Date Time" }),
  f("EndDateTime", "datetime", { label: "End Date Time" }),
  f("ActivityDateTime", "datetime", { label: "Due Date Time" }),
  f("DurationInMinutes", "int", { label: "Duration" }),
  ...AUDIT,
];

export const CAMPAIGN: FieldDef[] = [
  ID,
  f("Name", "string", { length: 80 }),
  f("Type", "picklist", { length: 255 }),
  f("Status", "picklist", { length: 255 }),
  f("IsActive", "boolean", { label: "Active" }),
  f("StartDate", "date", { label: "Start Date" }),
  ...AUDIT,
];

export const CAMPAIGN_MEMBER: FieldDef[] = [
  ID,
  ref("CampaignId", ["Campaign"], { label: "Campaign ID" }),
  ref("LeadId", ["Lead"], { label: "Lead ID" }),
  ref("ContactId", ["Contact"], { label: "Contact ID" }),
  ref("LeadOrContactId", ["Lead", "Contact"], { writable: false }),
  f("Status", "picklist", { length: 40, values: Object.keys(CAMPAIGN_MEMBER_STATUSES) }),
  f("HasResponded", "boolean", { writable: false, label: "Responded" }),
  f("FirstRespondedDate", "date", { writable: false, label: "First Responded Date" }),
  ...AUDIT,
];
