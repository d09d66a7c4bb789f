/**
 * Per-object behaviour of the simulated org beyond field types: defaults on create,
 * derived read-only fields (Name, Task.IsClosed, CampaignMember.HasResponded, ...),
 * lookups that must point at a live record of the right type, restricted picklists,
 * unique fields, and what a delete takes with it (the cascade of a real org).
 */
import { CAMPAIGN_MEMBER_STATUSES } from "./objects.ts";
import {
  FIELD_CATALOG,
  fieldDef,
  looksLikeId,
  type SObjectType,
  type StoredRecord,
  sameId,
  typeOfId,
} from "./schema.ts";
import type { RecordError } from "./store.ts";

/** What the rules need to see of the org. */
export interface OrgView {
  get(type: SObjectType, id: string): StoredRecord | undefined;
  isDeleted(id: string): boolean;
  /** Records whose text `field` equals `value`, case-insensitively, in scan order. */
  findBy(type: SObjectType, field: string, value: string): StoredRecord[];
  /** Records whose lookup `field` points at one of `ids`, in scan order. */
  referencing(type: SObjectType, field: string, ids: string[]): StoredRecord[];
}

const PERSON_DEFAULTS: StoredRecord = {
  HasOptedOutOfEmail: false,
  DoNotCall: false,
  IsDeleted: false,
  MasterRecordId: null,
};

export function defaultsFor(type: SObjectType): StoredRecord {
  switch (type) {
    case "Lead":
      return { ...PERSON_DEFAULTS, Status: "Open - Not Contacted", IsConverted: false };
    case "Contact":
      return { ...PERSON_DEFAULTS };
    case "Individual":
      return {
        HasOptedOutTracking: false,
        HasOptedOutProcessing: false,
        HasOptedOutSolicit: false,
        ShouldForget: false,
      };
    case "DataUsePurpose":
      return { CanDataSubjectOptOut: true };
    case "Task":
      return { Status: "Not Started", Priority: "Normal", TaskSubtype: "Task" };
    case "Event":
      return { EventSubtype: "Event" };
    case "Campaign":
      return { IsActive: false };
    case "CampaignMember":
      return { Status: "Sent" };
    default:
      return {};
  }
}

const fullName = (r: StoredRecord) =>
  [r.FirstName, r.LastName].filter((v) => typeof v === "string" && v !== "").join(" ");
const today = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Fills the read-only fields the platform computes; `now` is the write's SystemModstamp. */
export function derive(
  type: SObjectType,
  merged: StoredRecord,
  before: StoredRecord | undefined,
  now: number,
): StoredRecord {
  const out = { ...merged };
  if (type === "Lead" || type === "Contact" || type === "Individual") out.Name = fullName(merged);
  if (type === "Task") {
    out.IsClosed = merged.Status === "Completed";
    out.CompletedDateTime = out.IsClosed ? (before?.CompletedDateTime ?? now) : null;
  }
  if (type === "Event") {
    const start = (merged.StartDateTime ?? merged.ActivityDateTime) as number | null;
    out.StartDateTime = start;
    out.ActivityDateTime = start;
    if (typeof start === "number") {
      if (typeof merged.DurationInMinutes === "number" && merged.EndDateTime == null)
        out.EndDateTime = start + merged.DurationInMinutes * 60_000;
      else if (typeof merged.EndDateTime === "number")
        out.DurationInMinutes = Math.round((merged.EndDateTime - start) / 60_000);
    }
  }
  if (type === "CampaignMember") {
    out.LeadOrContactId = (merged.ContactId ?? merged.LeadId ?? null) as string | null;
    const responded = CAMPAIGN_MEMBER_STATUSES[String(merged.Status)] === true;
    out.HasResponded = responded || before?.HasResponded === true;
    out.FirstRespondedDate = before?.FirstRespondedDate ?? (responded ? today(now) : null);
  }
  return out;
}

function referenceError(org: OrgView, label: string, to: SObjectType[], id: string): RecordError {
  const fields: string[] = [];
  if (!looksLikeId(id))
    return {
      statusCode: "MALFORMED_ID",
      message: `${label}: id value of incorrect type: ${id}`,
      fields,
    };
  const type = typeOfId(id);
  if (!type || !to.includes(type))
    return {
      statusCode: "FIELD_INTEGRITY_EXCEPTION",
      message: `${label}: id value of incorrect type: ${id}`,
      fields,
    };
  if (org.isDeleted(id))
    return { statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields };
  return {
    statusCode: "INVALID_CROSS_REFERENCE_KEY",
    message: `invalid cross reference id`,
    fields,
  };
}

/** Lookups, restricted picklists, unique values and object-specific rules. */
export function checkRules(
  org: OrgView,
  type: SObjectType,
  changes: StoredRecord,
  merged: StoredRecord,
  selfId?: string,
): RecordError[] {
  const errors: RecordError[] = [];
  for (const [name, value] of Object.entries(changes)) {
    const def = fieldDef(type, name);
    if (!def || value === null) continue;
    if (def.referenceTo && typeof value === "string") {
      const target = typeOfId(value);
      const live = target && def.referenceTo.includes(target) && org.get(target, value);
      if (!live) {
        const e = referenceError(org, def.label, def.referenceTo, value);
        errors.push({ ...e, fields: [def.name] });
      }
    }
    if (def.values && typeof value === "string" && !def.values.includes(value)) {
      errors.push({
        statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        message: `${def.label}: bad value for restricted picklist field: ${value}`,
        fields: [def.name],
      });
    }
    if (def.unique && typeof value === "string") {
      const clash = org
        .findBy(type, def.name, value)
        .find((r) => !(selfId && sameId(r.Id as string, selfId)));
      if (clash)
        errors.push({
          statusCode: "DUPLICATE_VALUE",
          message: `duplicate value found: ${def.name} duplicates value on record with id: ${clash.Id}`,
          fields: [def.name],
        });
    }
  }
  if (type === "CampaignMember") {
    if (!merged.LeadId && !merged.ContactId)
      errors.push({
        statusCode: "REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [LeadId, ContactId]",
        fields: ["LeadId", "ContactId"],
      });
    const who = merged.ContactId ?? merged.LeadId;
    const campaign = merged.CampaignId;
    const dup =
      typeof campaign === "string" &&
      org
        .referencing("CampaignMember", "CampaignId", [campaign])
        .some(
          (m) =>
            !(selfId && sameId(m.Id as string, selfId)) &&
            m.CampaignId === campaign &&
            (m.ContactId ?? m.LeadId) === who,
        );
    if (who && dup)
      errors.push({
        statusCode: "DUPLICATE_VALUE",
        message: "Already a campaign member.",
        fields: [],
      });
  }
  if (type === "Event") {
    if (merged.StartDateTime == null && merged.ActivityDateTime == null)
      errors.push({
        statusCode: "REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [StartDateTime]",
        fields: ["StartDateTime"],
      });
    else if (merged.DurationInMinutes == null && merged.EndDateTime == null)
      errors.push({
        statusCode: "REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [DurationInMinutes]",
        fields: ["DurationInMinutes"],
      });
  }
  return errors;
}

/**
 * Records a delete takes with it, as a real org does: a Lead's or Contact's Tasks, Events
 * and campaign memberships; an Individual's consent records (and Lead/Contact.IndividualId
 * is cleared, see `clearedLookups`); a Campaign's members; a DataUsePurpose's consents.
 */
export function cascadeOf(
  org: OrgView,
  type: SObjectType,
  id: string,
): Array<[SObjectType, string]> {
  const children: Array<[SObjectType, string, string]> = [];
  for (const child of Object.keys(FIELD_CATALOG) as SObjectType[]) {
    if (child === "Lead" || child === "Contact") continue;
    for (const def of FIELD_CATALOG[child].values()) {
      if (def.writable && def.referenceTo?.includes(type)) children.push([child, def.name, id]);
    }
  }
  const out: Array<[SObjectType, string]> = [];
  for (const [child, field] of children)
    for (const r of org.referencing(child, field, [id])) out.push([child, r.Id as string]);
  return out;
}

/** Lookup fields on people that a delete of `type` clears instead of deleting the person. */
export function clearedLookups(type: SObjectType): Array<[SObjectType, string]> {
  return type === "Individual"
    ? [
        ["Lead", "IndividualId"],
        ["Contact", "IndividualId"],
      ]
    : [];
}
