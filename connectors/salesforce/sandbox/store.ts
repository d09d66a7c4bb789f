/**
 * The in-memory org: records of every simulated sObject, validation with the real status
 * codes (object rules in rules.ts), a strictly increasing SystemModstamp, cascading deletes,
 * and a change hook the Outbound Message queue uses.
 */
import { isIndexed, type Lookup, lookupsFor, RecordIndex } from "./lookup.ts";
import { cascadeOf, checkRules, clearedLookups, defaultsFor, derive } from "./rules.ts";
import {
  createIdFactory,
  type FieldValue,
  fieldDef,
  KEY_PREFIX,
  looksLikeId,
  REQUIRED_FIELDS,
  SOBJECT_TYPES,
  type SObjectType,
  type StoredRecord,
  typeOfId,
} from "./schema.ts";
import type { Condition } from "./soql.ts";

export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** A request-level failure (the whole call answers 400 with `[{message, errorCode}]`). */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }
}

export type WriteOutcome =
  | { ok: true; id: string; created: boolean }
  | { ok: false; errors: RecordError[] };

export type ChangeListener = (
  type: SObjectType,
  record: StoredRecord,
  before: StoredRecord | undefined,
) => void;

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)+$/;

export class OrgStore {
  private readonly records = Object.fromEntries(
    SOBJECT_TYPES.map((t) => [t, new Map<string, StoredRecord>()]),
  ) as Record<SObjectType, Map<string, StoredRecord>>;
  /** First 15 characters of every deleted id. */
  private readonly deleted = new Set<string>();
  private readonly index = new RecordIndex();
  /** Records merged away (Lead/Contact merge): only queryAll sees them, with IsDeleted and MasterRecordId. */
  private readonly recycleBin = new Map<string, { type: SObjectType; record: StoredRecord }>();
  private readonly newId = createIdFactory();
  private lastStamp = 0;
  onChange: ChangeListener = () => {};

  private seedClock: number | null = null;

  /** Runs the seeding with stamps 1 ms apart ending before now: no seeded record looks modified in the future. */
  backdated(records: number, seed: () => void): void {
    this.seedClock = Date.now() - records - 1;
    try {
      seed();
    } finally {
      this.lastStamp = this.seedClock;
      this.seedClock = null;
    }
  }

  /** Monotonic clock: never two writes in the same millisecond, never backwards. */
  private stamp(): number {
    if (this.seedClock !== null) return ++this.seedClock;
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  all(type: SObjectType): StoredRecord[] {
    return [...this.records[type].values()];
  }

  isDeleted(id: string): boolean {
    return id.length >= 15 && this.deleted.has(id.slice(0, 15));
  }

  /** Live records a WHERE clause can match, in scan order: from the index when it can tell. */
  candidates(type: SObjectType, where: Condition | undefined): StoredRecord[] {
    const lookups = lookupsFor(where);
    if (!lookups) return this.all(type);
    return this.found(type, lookups);
  }

  private found(type: SObjectType, lookups: Lookup[]): StoredRecord[] {
    return this.index.find(type, lookups).map((id) => this.records[type].get(id)!);
  }

  /** Records whose `field` equals `value` (case-insensitive, as SOQL compares strings). */
  findBy(type: SObjectType, field: string, value: string): StoredRecord[] {
    const def = fieldDef(type, field);
    const v = value.toLowerCase();
    const pool =
      def && isIndexed(def) && def.type !== "id" && def.type !== "reference"
        ? this.found(type, [{ field: def, keys: [v] }])
        : this.all(type);
    return pool.filter(
      (r) => typeof r[field] === "string" && (r[field] as string).toLowerCase() === v,
    );
  }

  /** Records whose lookup `field` points at one of `ids`, in scan order. */
  referencing(type: SObjectType, field: string, ids: string[]): StoredRecord[] {
    const def = fieldDef(type, field)!;
    const keys = ids.filter((id) => id.length >= 15).map((id) => id.slice(0, 15));
    return this.found(type, [{ field: def, keys }]);
  }

  get(type: SObjectType, id: string): StoredRecord | undefined {
    const direct = this.records[type].get(id);
    if (direct || id.length !== 15) return direct;
    const [found] = this.index.find(type, [{ field: fieldDef(type, "Id")!, keys: [id] }]);
    return found === undefined ? undefined : this.records[type].get(found);
  }

  private put(type: SObjectType, record: StoredRecord): void {
    const id = record.Id as string;
    const before = this.records[type].get(id);
    this.records[type].set(id, record);
    if (before) this.index.replace(type, before, record);
    else this.index.insert(type, record);
  }

  private drop(type: SObjectType, id: string): void {
    const before = this.records[type].get(id);
    if (!before) return;
    this.records[type].delete(id);
    this.index.delete(type, before);
    this.deleted.add(id.slice(0, 15));
  }

  /**
   * Checks names and types of incoming fields; an unknown field or a value of the wrong
   * JSON type fails the whole request, as the REST deserializer does.
   */
  normalize(type: SObjectType, fields: Record<string, unknown>): StoredRecord {
    const out: StoredRecord = {};
    for (const [name, raw] of Object.entries(fields)) {
      if (name === "attributes") continue;
      const def = fieldDef(type, name);
      if (!def) {
        throw new RequestError(
          400,
          "INVALID_FIELD",
          `No such column '${name}' on sobject of type ${type}`,
        );
      }
      out[def.name] = coerce(def.type, def.name, raw);
    }
    return out;
  }

  private validate(
    type: SObjectType,
    changes: StoredRecord,
    merged: StoredRecord,
    selfId?: string,
  ): RecordError[] {
    const errors: RecordError[] = [];
    const readOnly = Object.keys(changes).filter((n) => !fieldDef(type, n)?.writable);
    if (readOnly.length > 0) {
      errors.push({
        statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
        message: `Unable to create/update fields: ${readOnly.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: readOnly,
      });
      return errors;
    }
    const missing = REQUIRED_FIELDS[type].filter((n) => {
      const v = merged[n];
      return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
    });
    if (missing.length > 0) {
      errors.push({
        statusCode: "REQUIRED_FIELD_MISSING",
        message: `Required fields are missing: [${missing.join(", ")}]`,
        fields: missing,
      });
    }
    for (const [name, value] of Object.entries(changes)) {
      const def = fieldDef(type, name)!;
      if (typeof value === "string" && def.length && value.length > def.length) {
        errors.push({
          statusCode: "STRING_TOO_LONG",
          message: `${def.label}: data value too large: ${value.slice(0, 40)} (max length=${def.length})`,
          fields: [def.name],
        });
      }
      if (def.type === "email" && typeof value === "string" && value !== "" && !EMAIL.test(value)) {
        errors.push({
          statusCode: "INVALID_EMAIL_ADDRESS",
          message: `${def.label}: invalid email address: ${value}`,
          fields: [def.name],
        });
      }
    }
    errors.push(...checkRules(this, type, emptyToNull(changes), merged, selfId));
    return errors;
  }

  /** Validates a create; `commit` false checks only (used by allOrNone). */
  create(type: SObjectType, changes: StoredRecord, commit = true): WriteOutcome {
    const merged = { ...defaultsFor(type), ...emptyToNull(changes) };
    const errors = this.validate(type, changes, merged);
    if (errors.length > 0) return { ok: false, errors };
    if (!commit) return { ok: true, id: "", created: true };
    const now = this.stamp();
    const id = this.newId(KEY_PREFIX[type]);
    const record: StoredRecord = {
      ...derive(type, merged, undefined, now),
      Id: id,
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    this.put(type, record);
    this.onChange(type, record, undefined);
    return { ok: true, id, created: true };
  }

  update(type: SObjectType, id: string, changes: StoredRecord, commit = true): WriteOutcome {
    const current = looksLikeId(id) ? this.get(type, id) : undefined;
    if (!current) return { ok: false, errors: [this.missingError(type, id)] };
    const merged = { ...current, ...emptyToNull(changes) };
    const errors = this.validate(type, changes, merged, current.Id as string);
    if (errors.length > 0) return { ok: false, errors };
    if (type === "Lead" && current.IsConverted === true) {
      return {
        ok: false,
        errors: [
          {
            statusCode: "CANNOT_UPDATE_CONVERTED_LEAD",
            message: "cannot reference converted lead",
            fields: [],
          },
        ],
      };
    }
    const realId = current.Id as string;
    if (!commit) return { ok: true, id: realId, created: false };
    const now = this.stamp();
    const record = {
      ...derive(type, merged, current, now),
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    this.put(type, record);
    this.onChange(type, record, current);
    return { ok: true, id: realId, created: false };
  }

  delete(type: SObjectType, id: string, commit = true): WriteOutcome {
    const current = looksLikeId(id) ? this.get(type, id) : undefined;
    if (!current) return { ok: false, errors: [this.missingError(type, id)] };
    const realId = current.Id as string;
    if (commit) this.remove(type, realId);
    return { ok: true, id: realId, created: false };
  }

  /** Deletes a record and what a real org deletes with it; clears lookups to it on people. */
  private remove(type: SObjectType, id: string): void {
    const children = cascadeOf(this, type, id);
    this.drop(type, id);
    for (const [child, childId] of children)
      if (this.get(child, childId)) this.remove(child, childId);
    for (const [person, field] of clearedLookups(type)) {
      for (const r of this.referencing(person, field, [id])) {
        const now = this.stamp();
        this.put(person, { ...r, [field]: null, LastModifiedDate: now, SystemModstamp: now });
      }
    }
  }

  /**
   * What merging Leads (or Contacts) in Salesforce does: the master survives and is stamped;
   * each duplicate is deleted to the recycle bin with MasterRecordId pointing at the master.
   * Fires no Outbound Message for the deleted ones (a delete never does).
   */
  merge(type: "Lead" | "Contact", masterId: string, duplicateIds: string[]): boolean {
    if (this.mergeError(type, masterId, duplicateIds)) return false;
    const master = this.get(type, masterId)!;
    const duplicates = duplicateIds.map((id) => this.get(type, id));
    for (const duplicate of duplicates as StoredRecord[]) {
      const id = duplicate.Id as string;
      this.drop(type, id);
      const now = this.stamp();
      this.recycleBin.set(id, {
        type,
        record: {
          ...duplicate,
          IsDeleted: true,
          MasterRecordId: master.Id as string,
          LastModifiedDate: now,
          SystemModstamp: now,
        },
      });
    }
    const now = this.stamp();
    const updated = { ...master, LastModifiedDate: now, SystemModstamp: now };
    this.put(type, updated);
    this.onChange(type, updated, master);
    return true;
  }

  /**
   * Why a merge() request would fail, as its MergeResult error (codes for a record of
   * another type, a record merged with itself and too many records are *unconfirmed*).
   */
  mergeError(type: SObjectType, masterId: string, duplicateIds: string[]): RecordError | undefined {
    if (duplicateIds.length === 0 || duplicateIds.length > 2)
      return {
        statusCode: "INVALID_OPERATION",
        message: "A merge request takes the master record and one or two records to merge into it",
        fields: [],
      };
    for (const id of [masterId, ...duplicateIds]) {
      const own = typeOfId(id);
      if (own && own !== type)
        return {
          statusCode: "INVALID_TYPE_FOR_OPERATION",
          message: `Merge requires all records to be ${type} records: ${id} is a ${own}`,
          fields: [],
        };
      if (!this.get(type, id)) return this.missingError(type, id);
    }
    if (duplicateIds.some((id) => id.slice(0, 15) === masterId.slice(0, 15)))
      return {
        statusCode: "INVALID_ID_FIELD",
        message: "Cannot merge a record with itself",
        fields: [],
      };
    return undefined;
  }

  /** What queryAll reads: live records and the recycle bin. */
  allIncludingDeleted(type: SObjectType): StoredRecord[] {
    const binned = [...this.recycleBin.values()]
      .filter((r) => r.type === type)
      .map((r) => r.record);
    return [...this.all(type), ...binned];
  }

  /** Marks a Lead converted (what Lead Convert does to the lead record itself). */
  markConverted(id: string): boolean {
    const lead = this.get("Lead", id);
    if (!lead) return false;
    const now = this.stamp();
    this.put("Lead", { ...lead, IsConverted: true, LastModifiedDate: now, SystemModstamp: now });
    return true;
  }

  missingError(type: SObjectType, id: string): RecordError {
    if (!looksLikeId(id)) {
      return {
        statusCode: "MALFORMED_ID",
        message: `${type} ID: id value of incorrect type: ${id}`,
        fields: ["Id"],
      };
    }
    if (this.isDeleted(id)) {
      return { statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields: [] };
    }
    return {
      statusCode: "INVALID_CROSS_REFERENCE_KEY",
      message: "invalid cross reference id",
      fields: [],
    };
  }
}

function emptyToNull(fields: StoredRecord): StoredRecord {
  const out: StoredRecord = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v === "" ? null : v;
  return out;
}

function coerce(type: string, name: string, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  const fail = (): never => {
    throw new RequestError(
      400,
      "JSON_PARSER_ERROR",
      `Cannot deserialize instance of ${type} from ${typeof raw} value for field ${name}`,
    );
  };
  switch (type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "false") return raw === "true";
      return fail();
    case "int":
    case "double": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : Number.NaN;
      if (typeof raw === "string" && raw.trim() === "") return null;
      if (!Number.isFinite(n)) return fail();
      return type === "int" ? Math.trunc(n) : n;
    }
    case "date": {
      if (typeof raw !== "string") return fail();
      const day = raw.slice(0, 10);
      return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)) ? day : fail();
    }
    case "datetime": {
      const ms = typeof raw === "string" ? Date.parse(raw) : Number.NaN;
      return Number.isNaN(ms) ? fail() : ms;
    }
    default:
      if (typeof raw === "string") return raw;
      if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
      return fail();
  }
}
