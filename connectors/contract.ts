/**
 * The one contract every system adapter implements. The engine only ever talks to
 * systems through this file's types; field names inside `fields` are the system's own
 * API names, and the pure mapping engine (src/core/mapping.ts) is the only place that
 * translates them to canonical fields.
 */

/** Systems the hub connects to: each has a connector and can be a sync target. */
export type ConnectedSystem = "hubspot" | "salesforce" | "marketo";
/** A CSV import source, `csv:<mapping>` (e.g. "csv:febrl"): read-only, never a sync target. */
export type CsvSystem = `csv:${string}`;
export type SystemName = ConnectedSystem | CsvSystem;

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

/* ---- Consent, engagement and erasure (optional capabilities; issue 3) ---- */

export const CONSENT_CHANNELS = ["email", "sms", "phone"] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** HubSpot's seven legal bases, used as the canonical list. */
export const LEGAL_BASES = [
  "CONSENT_WITH_NOTICE",
  "LEGITIMATE_INTEREST_CLIENT",
  "LEGITIMATE_INTEREST_OTHER",
  "LEGITIMATE_INTEREST_PQL",
  "NON_GDPR",
  "PERFORMANCE_OF_CONTRACT",
  "PROCESS_AND_STORE",
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/**
 * One statement a system makes about a person's consent. `purpose` null means the whole
 * channel (HubSpot "unsubscribe from all", Salesforce HasOptedOutOfEmail). `explicit` is
 * false for what a system merely implies (an unchecked HasOptedOutOfEmail says nothing):
 * implicit statements never opt anyone in.
 */
export interface ConsentStatement {
  channel: ConsentChannel;
  purpose: string | null;
  state: "opted_in" | "opted_out";
  explicit: boolean;
  legalBasis?: LegalBasis;
  occurredAt: number;
  evidence: { kind: string; ref?: string; note?: string };
}

export interface RecordRef {
  object: string;
  externalId: string;
  /** Some consent APIs are keyed by email (HubSpot communication preferences). */
  email?: string;
}

export interface ConsentRecord extends RecordRef {
  statements: ConsentStatement[];
}

export interface ConsentWrite extends RecordRef {
  ref: string;
  /** The states to make true in the system, one per channel/purpose it can hold. */
  statements: ConsentStatement[];
}

export interface ConsentCapable {
  readConsent(refs: RecordRef[]): Promise<ConsentRecord[]>;
  writeConsent(ops: ConsentWrite[]): Promise<WriteResult[]>;
}

export const ENGAGEMENT_TYPES = [
  "email_delivered",
  "email_open",
  "email_click",
  "email_bounce",
  "form_submit",
  "page_view",
  "meeting",
  "call",
  "task",
  "campaign_response",
  "webinar",
  "purchase",
] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

/** Something a person did, as one system recorded it. `key` is stable across re-reads. */
export interface EngagementEvent {
  key: string;
  system: SystemName;
  type: EngagementType;
  /** The person record it belongs to. */
  person: RecordRef;
  occurredAt: number;
  title?: string;
  detail: SourceFields;
}

export interface EngagementPage {
  events: EngagementEvent[];
  cursor: string;
}

/** A summary of engagement written into a system (Salesforce Tasks). `key` prevents duplicates. */
export interface ActivityWrite {
  ref: string;
  key: string;
  person: RecordRef;
  subject: string;
  description: string;
  occurredAt: number;
}

export interface EngagementCapable {
  pullEngagement(cursor: string | null, options?: PullOptions): AsyncIterable<EngagementPage>;
  writeActivities?(ops: ActivityWrite[]): Promise<WriteResult[]>;
}

export interface ErasureCapable {
  /** Deletes the person for good (HubSpot gdpr-delete, Salesforce delete). Absent records count as erased. */
  erase(refs: RecordRef[]): Promise<WriteResult[]>;
}

/** Merges done inside the system (Salesforce merged Leads/Contacts), read back as notices. */
export interface MergeCapable {
  /**
   * `merge` notices (externalId = the surviving record, `detail.mergedObjectIds` = survivor
   * and merged-away ids) for merges after the cursor, and the cursor to pass next time.
   */
  pullMerges(cursor: string | null): Promise<{ notices: ChangeNotice[]; cursor: string }>;
}

/** The hub asks a system to fold records of one person into one (same object type). */
export interface RecordMerge {
  /** Caller's correlation id, echoed in the result. */
  ref: string;
  object: string;
  /** The record that survives (or whose values survive, where the system mints a new id). */
  primaryId: string;
  /** Records folded into it; they no longer exist afterwards. */
  mergedIds: string[];
}

export interface RecordMergeResult {
  ref: string;
  ok: boolean;
  /** The surviving record: the primary's id, or a new one where the system mints one (HubSpot). */
  externalId?: string;
  error?: WriteError;
}

/**
 * Merges inside the system (HubSpot contacts merge, Salesforce merge(), Marketo Merge Leads),
 * one result per merge in input order. A merge of more records than one call takes is made
 * in several calls into the same survivor. None of the three systems can undo a merge.
 */
export interface RecordMergeCapable {
  mergeRecords(merges: RecordMerge[]): Promise<RecordMergeResult[]>;
}
