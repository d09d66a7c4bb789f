/**
 * The one contract every system adapter implements. The engine only ever talks to
 * systems through this file's types; field names inside `fields` are the system's own
 * API names, and the pure mapping engine (src/core/mapping.ts) is the only place that
 * translates them to canonical fields.
 */

export type SystemName = "hubspot" | "salesforce" | "marketo";

export type FieldValue = string | number | boolean | null;
export type SourceFields = Record<string, FieldValue>;

/** A record as the source system holds it. */
export interface SourceRecord {
  system: SystemName;
  /** The system's object name: "contact" (HubSpot), "Lead" or "Contact" (Salesforce). */
  object: string;
  externalId: string;
  /** Epoch ms of the record's last modification (lastmodifieddate, SystemModstamp). */
  modifiedAt: number;
  fields: SourceFields;
}

/**
 * One page of an incremental read. `cursor` resumes *after* this page: passing it back to
 * pullChanges never skips a record changed since, though it may re-read a few records
 * whose modification time equals the cursor (re-reads are harmless downstream).
 */
export interface ChangePage {
  records: SourceRecord[];
  cursor: string;
}

export interface PullOptions {
  /** With a null cursor: start at records modified at or after this epoch ms (a backfill's `since`). */
  since?: number;
  /** Stop at records modified after this epoch ms (the start of the run). */
  until?: number;
  pageSize?: number;
  signal?: AbortSignal;
}

export interface WriteOp {
  /** Caller's correlation id, echoed in the result (the golden contact id). */
  ref: string;
  object: string;
  /** Update this record when set; create (or upsert by email where the API can) when not. */
  externalId?: string;
  fields: SourceFields;
}

export interface WriteError {
  code: string;
  message: string;
  fields?: string[];
  /** True when trying again later can succeed (rate limits, 5xx, timeouts). */
  retryable: boolean;
}

export interface WriteResult {
  ref: string;
  ok: boolean;
  externalId?: string;
  created?: boolean;
  error?: WriteError;
}

/** A change notice from a webhook: tells the hub which record to fetch, never trusted as data. */
export interface ChangeNotice {
  system: SystemName;
  object: string;
  externalId: string;
  kind: "upsert" | "delete" | "merge" | "privacy_deletion";
  /** Unique per delivery-independent event: duplicates and retries share it. */
  eventKey: string;
  occurredAt: number;
  detail?: Record<string, unknown>;
}

export interface Connector {
  readonly system: SystemName;
  /** Objects this connector reads and writes, e.g. ["contact"] or ["Lead", "Contact"]. */
  readonly objects: readonly string[];
  /** Pages of records modified at or after the cursor, oldest first. A null cursor reads everything. */
  pullChanges(
    object: string,
    cursor: string | null,
    options?: PullOptions,
  ): AsyncIterable<ChangePage>;
  /** Current state of the given records; ids that no longer exist are simply absent. */
  fetchByIds(object: string, ids: string[]): Promise<SourceRecord[]>;
  /** Existing records with these emails (case-insensitive) across the connector's objects. */
  findByEmails(emails: string[]): Promise<SourceRecord[]>;
  /** Creates and updates, batched to the API's limit, one result per op in input order. */
  write(ops: WriteOp[]): Promise<WriteResult[]>;
}
