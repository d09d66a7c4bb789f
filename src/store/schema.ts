import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { Contact, Golden, LinkConsent, Observed, StoredScore } from "../core/contact.ts";
import type { Evidence as MatchEvidence } from "../core/matching/fellegi-sunter.ts";

/** Golden records: per field the winning value, the system it came from and when. */
export const contacts = sqliteTable("contacts", {
  id: text("id").primaryKey(),
  golden: text("golden", { mode: "json" }).$type<Golden>().notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** The lead score as last computed, and the part of it last written to other systems. */
  score: text("score", { mode: "json" }).$type<StoredScore>(),
  /**
   * Saves so far: a save writes the version it read plus one, and a trigger refuses any other
   * (see drizzle/0007_person_version.sql), so a person saved by someone else since is not overwritten.
   */
  version: integer("version").notNull().default(1),
  /**
   * Until when (epoch ms) a batch that saved this person may still be writing them to other
   * systems; another batch that read them meanwhile waits (src/store/contacts.ts, "one writer").
   */
  heldUntil: integer("held_until"),
});

/** The crosswalk: a record in a system belongs to one contact, with what the hub last saw there. */
export const links = sqliteTable(
  "links",
  {
    system: text("system").notNull(),
    object: text("object").notNull(),
    externalId: text("external_id").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    observed: text("observed", { mode: "json" }).$type<Observed>().notNull(),
    /** Consent per channel/purpose as the hub last saw or wrote it there (echo suppression). */
    consent: text("consent", { mode: "json" }).$type<LinkConsent>(),
    lastSyncedAt: integer("last_synced_at"),
    /** The hub created this record (a copy of a person another system holds), not its system. */
    createdByHub: integer("created_by_hub", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.system, t.object, t.externalId] }),
    index("links_contact").on(t.contactId),
  ],
);

export const matchKeys = sqliteTable(
  "match_keys",
  {
    kind: text("kind").notNull(),
    value: text("value").notNull(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.value, t.contactId] }),
    index("match_keys_contact").on(t.contactId),
  ],
);

export const cursors = sqliteTable("cursors", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Durable change notices, idempotent by event key. */
export const inbox = sqliteTable(
  "inbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventKey: text("event_key").notNull().unique(),
    system: text("system").notNull(),
    object: text("object").notNull(),
    externalId: text("external_id").notNull(),
    kind: text("kind").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    status: text("status", { enum: ["pending", "done", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    processedAt: integer("processed_at"),
    /** What the notice itself carries beyond the record it points at (e.g. merged ids). */
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("inbox_status").on(t.status, t.id)],
);

/** Runs, backfills and (later) imports share one job shape. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    status: text("status", {
      enum: ["queued", "running", "succeeded", "failed", "cancelled"],
    }).notNull(),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    progress: text("progress", { mode: "json" }).$type<Record<string, number>>().notNull(),
    checkpoint: text("checkpoint", { mode: "json" }).$type<Record<string, unknown> | null>(),
    errors: text("errors", { mode: "json" }).$type<JobError[]>().notNull(),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("jobs_kind").on(t.kind, t.createdAt)],
);

export interface JobError {
  at: number;
  message: string;
  system?: string;
  externalId?: string;
}

/**
 * Writes that failed after the connector's own retries. A retryable failure is tried again
 * by the retry pass (src/sync/retry.ts) at `nextAttemptAt`; a permanent one, or one whose
 * retries ran out, stays open for an operator. Replay and retry re-plan the contact from
 * its current state. Status: open, retried (a retry delivered it), replayed (an operator).
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    contactId: text("contact_id").notNull(),
    system: text("system").notNull(),
    object: text("object").notNull(),
    externalId: text("external_id"),
    operation: text("operation", { enum: ["create", "update", "merge"] }).notNull(),
    /** The last failure's error. */
    error: text("error", { mode: "json" })
      .$type<{ code: string; message: string; fields?: string[] }>()
      .notNull(),
    /** The last failure may pass if tried later (WriteError.retryable: 429, 5xx, timeouts). */
    retryable: integer("retryable", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: ["open", "retried", "replayed"] }).notNull(),
    /** Failed attempts so far: the first write and each automatic retry. */
    attempts: integer("attempts").notNull().default(1),
    /** When the retry pass tries again; null: never (permanent, given up, or closed). */
    nextAttemptAt: integer("next_attempt_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("dead_letters_status").on(t.status, t.createdAt),
    index("dead_letters_due").on(t.nextAttemptAt),
    index("dead_letters_contact").on(t.contactId),
  ],
);

/** Every consent statement ever seen or made, append-only; the state is derived from these. */
export const consentEvents = sqliteTable(
  "consent_events",
  {
    id: text("id").primaryKey(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    channel: text("channel").notNull(),
    purpose: text("purpose"),
    state: text("state", { enum: ["opted_in", "opted_out"] }).notNull(),
    explicit: integer("explicit", { mode: "boolean" }).notNull(),
    legalBasis: text("legal_basis"),
    source: text("source").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    evidence: text("evidence", { mode: "json" })
      .$type<{ kind: string; ref?: string; note?: string }>()
      .notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [index("consent_events_contact").on(t.contactId, t.occurredAt)],
);

/** What a person did, from any system, once per stable key. */
export const engagementEvents = sqliteTable(
  "engagement_events",
  {
    key: text("key").primaryKey(),
    contactId: text("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    system: text("system").notNull(),
    type: text("type").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    title: text("title"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index("engagement_events_contact").on(t.contactId, t.occurredAt)],
);

/** Salted hashes of an erased person's identifiers: nothing matching them is ever re-created. */
export const tombstones = sqliteTable(
  "tombstones",
  {
    hash: text("hash").primaryKey(),
    erasureId: text("erasure_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("tombstones_erasure").on(t.erasureId)],
);

export interface ErasureTarget {
  system: string;
  object: string;
  /** Kept only until the system confirms; then replaced by its hash. */
  externalId: string | null;
  externalIdHash: string;
  status: "pending" | "erased" | "failed";
  attempts: number;
  lastError?: string;
  confirmedAt?: number;
}

/** The audit of an erasure: who asked, when, and which systems confirmed. */
export const erasures = sqliteTable("erasures", {
  id: text("id").primaryKey(),
  requestedBy: text("requested_by").notNull(),
  status: text("status", { enum: ["running", "completed", "partial"] }).notNull(),
  targets: text("targets", { mode: "json" }).$type<ErasureTarget[]>().notNull(),
  createdAt: integer("created_at").notNull(),
  completedAt: integer("completed_at"),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Every merge of two people, with what it takes to undo it. */
export const merges = sqliteTable(
  "merges",
  {
    id: text("id").primaryKey(),
    winnerId: text("winner_id").notNull(),
    /** The merged-away person as it was: id, golden record and links. */
    loser: text("loser", { mode: "json" }).$type<Contact>().notNull(),
    /** Consent and engagement rows that moved to the winner, so unmerge can move them back. */
    moved: text("moved", { mode: "json" })
      .$type<{ consent: string[]; engagement: string[] }>()
      .notNull(),
    reason: text("reason").notNull(),
    evidence: text("evidence", { mode: "json" }).$type<unknown>(),
    createdAt: integer("created_at").notNull(),
    undoneAt: integer("undone_at"),
  },
  (t) => [index("merges_winner").on(t.winnerId, t.createdAt)],
);

/** Candidate duplicate pairs from the matcher; `a` < `b`, one row per pair of people. */
export const duplicates = sqliteTable(
  "duplicates",
  {
    id: text("id").primaryKey(),
    a: text("a").notNull(),
    b: text("b").notNull(),
    probability: real("probability").notNull(),
    evidence: text("evidence", { mode: "json" }).$type<MatchEvidence[]>().notNull(),
    /** pending (in review), merged, dismissed (people said "different": never proposed again). */
    status: text("status").notNull(),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
    decidedBy: text("decided_by"),
  },
  (t) => [
    uniqueIndex("duplicates_pair").on(t.a, t.b),
    index("duplicates_status").on(t.status, t.id),
  ],
);

/** People whose merged record still has to be written to other systems (a run writes after reading every system). */
export const pushQueue = sqliteTable("push_queue", {
  contactId: text("contact_id").primaryKey(),
  queuedAt: integer("queued_at").notNull(),
});

/**
 * Merges the hub made inside a system (HubSpot, Salesforce, Marketo) after merging people:
 * the audit of what was folded into what, and whether the system did it.
 */
export const recordMerges = sqliteTable(
  "record_merges",
  {
    id: text("id").primaryKey(),
    contactId: text("contact_id").notNull(),
    system: text("system").notNull(),
    object: text("object").notNull(),
    primaryId: text("primary_id").notNull(),
    mergedIds: text("merged_ids", { mode: "json" }).$type<string[]>().notNull(),
    /** The record that survived (HubSpot gives the merged contact a new id). */
    survivorId: text("survivor_id"),
    status: text("status", { enum: ["merged", "failed"] }).notNull(),
    error: text("error", { mode: "json" }).$type<{
      code: string;
      message: string;
      retryable: boolean;
    }>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("record_merges_contact").on(t.contactId, t.createdAt)],
);

/**
 * Records the hub merged away inside their system. A copy of one read before the merge
 * (a batch that fetched it just before) must not link it to the person again.
 */
export const mergedRecords = sqliteTable(
  "merged_records",
  {
    system: text("system").notNull(),
    object: text("object").notNull(),
    externalId: text("external_id").notNull(),
    contactId: text("contact_id").notNull(),
    mergedAt: integer("merged_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.system, t.object, t.externalId] }),
    index("merged_records_contact").on(t.contactId),
  ],
);
