/**
 * In-memory contact state of the HubSpot simulator: a property catalog (HubSpot rejects
 * properties that do not exist), unique emails (case-insensitive), numeric-string ids and a
 * monotonic clock so no two writes share a lastmodifieddate millisecond.
 */

export type PropertyType = "string" | "number" | "datetime" | "enumeration";

export interface PropertyDefinition {
  type: PropertyType;
  readOnly?: boolean;
}

export const DEFAULT_CONTACT_PROPERTIES: Record<string, PropertyDefinition> = {
  email: { type: "string" },
  firstname: { type: "string" },
  lastname: { type: "string" },
  phone: { type: "string" },
  mobilephone: { type: "string" },
  company: { type: "string" },
  jobtitle: { type: "string" },
  address: { type: "string" },
  city: { type: "string" },
  state: { type: "string" },
  zip: { type: "string" },
  country: { type: "string" },
  website: { type: "string" },
  industry: { type: "string" },
  lifecyclestage: { type: "enumeration" },
  hs_lead_status: { type: "enumeration" },
  hubspot_owner_id: { type: "enumeration" },
  hs_email_optout: { type: "enumeration" },
  tsunagu_score: { type: "number" },
  tsunagu_grade: { type: "string" },
  tsunagu_score_reasons: { type: "string" },
  createdate: { type: "datetime", readOnly: true },
  lastmodifieddate: { type: "datetime", readOnly: true },
  hs_object_id: { type: "number", readOnly: true },
  hs_merged_object_ids: { type: "enumeration", readOnly: true },
  hs_additional_emails: { type: "enumeration", readOnly: true },
};

/** Returned by GET/list when the caller names no properties (as the real API does). */
export const DEFAULT_READ_PROPERTIES = [
  "createdate",
  "email",
  "firstname",
  "hs_object_id",
  "lastmodifieddate",
  "lastname",
];

export interface StoredContact {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export type ChangeSource = "INTEGRATION" | "CRM_UI";

export type ContactChange =
  | { type: "creation"; id: string; at: number; source: ChangeSource }
  | { type: "deletion"; id: string; at: number; source: ChangeSource }
  | { type: "privacyDeletion"; id: string; at: number; source: ChangeSource }
  | {
      type: "merge";
      /** The new contact both were merged into. */
      id: string;
      at: number;
      source: ChangeSource;
      primaryObjectId: string;
      mergedObjectIds: string[];
    }
  | {
      type: "propertyChange";
      id: string;
      at: number;
      source: ChangeSource;
      propertyName: string;
      propertyValue: string;
    };

export interface PropertyIssue {
  code: "PROPERTY_DOESNT_EXIST" | "READ_ONLY_VALUE" | "INVALID_EMAIL" | "INVALID_NUMBER";
  name: string;
  message: string;
}

/** Writing `name` where `definition` describes it: unknown and read-only properties are refused. */
export function catalogIssue(
  definition: PropertyDefinition | undefined,
  name: string,
): PropertyIssue | undefined {
  if (!definition)
    return { code: "PROPERTY_DOESNT_EXIST", name, message: `Property "${name}" does not exist` };
  if (definition.readOnly) {
    return {
      code: "READ_ONLY_VALUE",
      name,
      message: `${name} is a read only property; its value cannot be set.`,
    };
  }
  return undefined;
}

/** A merge HubSpot refuses: `status` and `body` as the API answers it. */
export class MergeRefusal extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export class ConflictError extends Error {
  constructor(readonly existingId: string) {
    super(`Contact already exists. Existing ID: ${existingId}`);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class ContactStore {
  readonly catalog: Map<string, PropertyDefinition>;
  private readonly contacts = new Map<string, StoredContact>();
  private readonly emails = new Map<string, string>();
  /** Ids merged away, each pointing at the contact it became part of. */
  private readonly mergedInto = new Map<string, string>();
  private nextId = 1001;
  private lastTick = 0;
  private readonly listeners: Array<(change: ContactChange) => void> = [];

  constructor(extraProperties: Record<string, PropertyDefinition> = {}) {
    this.catalog = new Map(Object.entries({ ...DEFAULT_CONTACT_PROPERTIES, ...extraProperties }));
  }

  onChange(listener: (change: ContactChange) => void): void {
    this.listeners.push(listener);
  }

  /** Strictly increasing epoch ms: two writes never share a lastmodifieddate. */
  tick(): number {
    this.lastTick = Math.max(Date.now(), this.lastTick + 1);
    return this.lastTick;
  }

  get size(): number {
    return this.contacts.size;
  }

  all(): StoredContact[] {
    return [...this.contacts.values()];
  }

  /** The contact with this id, or the one a contact with this id was merged into. */
  get(id: string): StoredContact | undefined {
    return this.contacts.get(this.mergedInto.get(id) ?? id);
  }

  getByEmail(email: string): StoredContact | undefined {
    const id = this.emails.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.contacts.get(id);
  }

  /** The contact whose lower-cased email is exactly `key` (search compares untrimmed). */
  getByEmailKey(key: string): StoredContact | undefined {
    const id = this.emails.get(key);
    return id === undefined ? undefined : this.contacts.get(id);
  }

  validate(properties: Record<string, unknown>): PropertyIssue[] {
    const issues: PropertyIssue[] = [];
    for (const [name, value] of Object.entries(properties)) {
      const definition = this.catalog.get(name);
      const text = value === null || value === undefined ? "" : String(value);
      const refused = catalogIssue(definition, name);
      if (refused) {
        issues.push(refused);
      } else if (name === "email" && text !== "" && !EMAIL.test(text)) {
        issues.push({ code: "INVALID_EMAIL", name, message: `Email address ${text} is invalid` });
      } else if (definition?.type === "number" && text !== "" && !Number.isFinite(Number(text))) {
        issues.push({ code: "INVALID_NUMBER", name, message: `${text} is not a valid number` });
      }
    }
    return issues;
  }

  private conflictFor(email: string | undefined, selfId?: string): string | undefined {
    if (!email) return undefined;
    const existing = this.emails.get(email.trim().toLowerCase());
    return existing !== undefined && existing !== selfId ? existing : undefined;
  }

  /** Creates a contact; `at` backdates it (seeding). Throws ConflictError on a taken email. */
  create(
    input: Record<string, unknown>,
    source: ChangeSource,
    options: { silent?: boolean; at?: number } = {},
  ): StoredContact {
    const properties = normalize(input);
    const existing = this.conflictFor(properties.email);
    if (existing !== undefined) throw new ConflictError(existing);
    const at = options.at ?? this.tick();
    const id = String(this.nextId++);
    const iso = new Date(at).toISOString();
    const contact: StoredContact = {
      id,
      properties: { ...properties, createdate: iso, lastmodifieddate: iso, hs_object_id: id },
      createdAt: at,
      updatedAt: at,
    };
    this.contacts.set(id, contact);
    if (properties.email) this.emails.set(properties.email.toLowerCase(), id);
    if (!options.silent) this.emit({ type: "creation", id, at, source });
    return contact;
  }

  /** Applies changed values only; lastmodifieddate moves only when something changed. */
  update(id: string, input: Record<string, unknown>, source: ChangeSource): StoredContact {
    const contact = this.contacts.get(id);
    if (!contact) throw new Error(`no contact ${id}`);
    const next = normalizeWithClears(input);
    const newEmail = next.email;
    if (newEmail) {
      const existing = this.conflictFor(newEmail, id);
      if (existing !== undefined) throw new ConflictError(existing);
    }
    const changed = Object.entries(next).filter(
      ([name, value]) => (contact.properties[name] ?? "") !== value,
    );
    if (changed.length === 0) return contact;
    const at = this.tick();
    const oldEmail = contact.properties.email;
    for (const [name, value] of changed) {
      if (value === "") delete contact.properties[name];
      else contact.properties[name] = value;
    }
    if (oldEmail !== contact.properties.email) {
      if (oldEmail) this.emails.delete(oldEmail.toLowerCase());
      if (contact.properties.email) this.emails.set(contact.properties.email.toLowerCase(), id);
    }
    contact.updatedAt = at;
    contact.properties.lastmodifieddate = new Date(at).toISOString();
    for (const [propertyName, propertyValue] of changed) {
      this.emit({ type: "propertyChange", id, at, source, propertyName, propertyValue });
    }
    return contact;
  }

  archive(id: string, source: ChangeSource): boolean {
    const contact = this.contacts.get(id);
    if (!contact) return false;
    this.contacts.delete(id);
    if (contact.properties.email) this.emails.delete(contact.properties.email.toLowerCase());
    this.emit({ type: "deletion", id, at: this.tick(), source });
    return true;
  }

  /**
   * GDPR delete: the contact is gone for good. HubSpot sends `contact.privacyDeletion` and
   * also a `contact.deletion` for the same contact.
   */
  privacyDelete(id: string, source: ChangeSource): StoredContact | undefined {
    const contact = this.contacts.get(id);
    if (!contact) return undefined;
    this.contacts.delete(id);
    if (contact.properties.email) this.emails.delete(contact.properties.email.toLowerCase());
    const at = this.tick();
    this.emit({ type: "privacyDeletion", id, at, source });
    this.emit({ type: "deletion", id, at, source });
    return contact;
  }

  /**
   * Merges two contacts into a new one with a new id (HubSpot's merge since 2024): the
   * primary's values win, values only the other holds are kept, the other's email becomes
   * an additional email, and both old ids keep resolving to the new contact. Fires
   * `contact.merge` for the new contact.
   */
  merge(primaryId: string, mergedId: string, source: ChangeSource): StoredContact {
    const primary = this.get(primaryId);
    const merged = this.get(mergedId);
    if (!primary || !merged) throw new MergeRefusal(404, "resource not found");
    if (primary.id === merged.id) throw new MergeRefusal(400, "Cannot merge a contact with itself");
    const at = this.tick();
    const id = String(this.nextId++);
    const iso = new Date(at).toISOString();
    const ids = [primary, merged].flatMap((c) => [
      ...(c.properties.hs_merged_object_ids?.split(";") ?? []),
      c.id,
    ]);
    const extraEmails = [
      merged.properties.email,
      ...[primary, merged].flatMap((c) => c.properties.hs_additional_emails?.split(";") ?? []),
    ].filter((e): e is string => Boolean(e));
    const properties: Record<string, string> = { ...merged.properties, ...primary.properties };
    if (extraEmails.length > 0) properties.hs_additional_emails = extraEmails.join(";");
    properties.hs_merged_object_ids = ids.join(";");
    const created = Math.min(primary.createdAt, merged.createdAt);
    Object.assign(properties, {
      createdate: new Date(created).toISOString(),
      lastmodifieddate: iso,
      hs_object_id: id,
    });
    for (const old of [primary, merged]) {
      this.contacts.delete(old.id);
      if (old.properties.email) this.emails.delete(old.properties.email.toLowerCase());
    }
    for (const [alias, target] of this.mergedInto)
      if (target === primary.id || target === merged.id) this.mergedInto.set(alias, id);
    this.mergedInto.set(primary.id, id);
    this.mergedInto.set(merged.id, id);
    const contact: StoredContact = { id, properties, createdAt: created, updatedAt: at };
    this.contacts.set(id, contact);
    if (properties.email) this.emails.set(properties.email.toLowerCase(), id);
    this.emit({
      type: "merge",
      id,
      at,
      source,
      primaryObjectId: primary.id,
      mergedObjectIds: [merged.id],
    });
    return contact;
  }

  private emit(change: ContactChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** Values are stored as strings; "" and null mean "no value" (HubSpot clears on ""). */
function normalize(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === null || value === undefined || value === "") continue;
    out[name] = String(value);
  }
  return out;
}

function normalizeWithClears(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    out[name] = value === null || value === undefined ? "" : String(value);
  }
  return out;
}
