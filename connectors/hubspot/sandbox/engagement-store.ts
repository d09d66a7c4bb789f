/**
 * Engagement objects of the simulator (meetings and one-to-one emails logged on the CRM
 * timeline), each associated to contacts. Records share the contact record's shape so the
 * same search code filters and sorts them; their modification date is `hs_lastmodifieddate`
 * (contacts use `lastmodifieddate`).
 * Docs: https://developers.hubspot.com/docs/api/crm/meetings and .../crm/email
 */
import type { PropertyDefinition, StoredContact } from "./store.ts";

export const ENGAGEMENT_OBJECTS = ["meetings", "emails"] as const;
export type EngagementObject = (typeof ENGAGEMENT_OBJECTS)[number];

/** HUBSPOT_DEFINED association type ids, engagement -> contact. */
export const CONTACT_ASSOCIATION_TYPE: Record<EngagementObject, number> = {
  meetings: 200,
  emails: 198,
};

const COMMON: Record<string, PropertyDefinition> = {
  hs_timestamp: { type: "datetime" },
  hubspot_owner_id: { type: "enumeration" },
  hs_createdate: { type: "datetime", readOnly: true },
  hs_lastmodifieddate: { type: "datetime", readOnly: true },
  hs_object_id: { type: "number", readOnly: true },
};

export const ENGAGEMENT_PROPERTIES: Record<EngagementObject, Record<string, PropertyDefinition>> = {
  meetings: {
    ...COMMON,
    hs_meeting_title: { type: "string" },
    hs_meeting_body: { type: "string" },
    hs_meeting_location: { type: "string" },
    hs_meeting_start_time: { type: "datetime" },
    hs_meeting_end_time: { type: "datetime" },
    hs_meeting_outcome: { type: "enumeration" },
  },
  emails: {
    ...COMMON,
    hs_email_subject: { type: "string" },
    hs_email_text: { type: "string" },
    hs_email_html: { type: "string" },
    hs_email_direction: { type: "enumeration" },
    hs_email_status: { type: "enumeration" },
  },
};

export const ENGAGEMENT_DEFAULT_READ = ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"];

export interface StoredEngagement extends StoredContact {
  object: EngagementObject;
  contactIds: string[];
}

export function isEngagementObject(value: string): value is EngagementObject {
  return (ENGAGEMENT_OBJECTS as readonly string[]).includes(value);
}

export class EngagementStore {
  readonly catalogs: Record<EngagementObject, Map<string, PropertyDefinition>>;
  private readonly records: Record<EngagementObject, Map<string, StoredEngagement>> = {
    meetings: new Map(),
    emails: new Map(),
  };
  private nextId = 70_000_001;

  constructor(private readonly tick: () => number) {
    this.catalogs = {
      meetings: new Map(Object.entries(ENGAGEMENT_PROPERTIES.meetings)),
      emails: new Map(Object.entries(ENGAGEMENT_PROPERTIES.emails)),
    };
  }

  all(object: EngagementObject): StoredEngagement[] {
    return [...this.records[object].values()];
  }

  get(object: EngagementObject, id: string): StoredEngagement | undefined {
    return this.records[object].get(id);
  }

  create(
    object: EngagementObject,
    properties: Record<string, string>,
    contactIds: string[],
  ): StoredEngagement {
    const at = this.tick();
    const id = String(this.nextId++);
    const iso = new Date(at).toISOString();
    const clean: Record<string, string> = {};
    for (const [name, value] of Object.entries(properties)) {
      if (value !== "" && value !== null && value !== undefined) clean[name] = String(value);
    }
    const record: StoredEngagement = {
      object,
      id,
      contactIds: [...new Set(contactIds)],
      properties: {
        hs_timestamp: iso,
        ...clean,
        hs_createdate: iso,
        hs_lastmodifieddate: iso,
        hs_object_id: id,
      },
      createdAt: at,
      updatedAt: at,
    };
    this.records[object].set(id, record);
    return record;
  }

  /** Changes properties and moves hs_lastmodifieddate (only when a value changed). */
  update(object: EngagementObject, id: string, properties: Record<string, string>): boolean {
    const record = this.records[object].get(id);
    if (!record) return false;
    const changed = Object.entries(properties).filter(
      ([name, value]) => (record.properties[name] ?? "") !== value,
    );
    if (changed.length === 0) return true;
    const at = this.tick();
    for (const [name, value] of changed) {
      if (value === "") delete record.properties[name];
      else record.properties[name] = value;
    }
    record.updatedAt = at;
    record.properties.hs_lastmodifieddate = new Date(at).toISOString();
    return true;
  }

  /** A deleted contact's associations disappear; the engagements themselves stay. */
  dissociateContact(contactId: string): void {
    for (const object of ENGAGEMENT_OBJECTS) {
      for (const record of this.records[object].values()) {
        record.contactIds = record.contactIds.filter((id) => id !== contactId);
      }
    }
  }
}
