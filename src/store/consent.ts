import { and, asc, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { ConsentChannel, LegalBasis, SystemName } from "../../connectors/contract.ts";
import type { ConsentEvent } from "../core/consent.ts";
import {
  atomically,
  changes,
  chunks,
  MAX_BOUND_PARAMETERS,
  rowsPerInsert,
  statement,
  together,
} from "./batch.ts";
import type { Db } from "./db.ts";
import { consentEvents, engagementEvents } from "./schema.ts";

export type EngagementRow = typeof engagementEvents.$inferSelect;

export function consentQueries(db: Db) {
  return {
    /** Appends statements; ones already stored (same id) are ignored. Returns how many were new. */
    async add(contactId: string, events: ConsentEvent[], now: number): Promise<number> {
      const rows = events.map((e) => ({
        id: e.id,
        contactId,
        channel: e.channel,
        purpose: e.purpose,
        state: e.state,
        explicit: e.explicit,
        legalBasis: e.legalBasis ?? null,
        source: e.source,
        occurredAt: e.occurredAt,
        evidence: e.evidence,
        recordedAt: now,
      }));
      const inserts = chunks(rows, rowsPerInsert(consentEvents)).map((part) =>
        statement(db, db.insert(consentEvents).values(part).onConflictDoNothing()),
      );
      return changes(await atomically(db, inserts));
    },
    async forContact(contactId: string): Promise<ConsentEvent[]> {
      return (await this.forContacts([contactId])).get(contactId) ?? [];
    },
    /** Statements of many people in one batch, oldest first per person. */
    async forContacts(contactIds: string[]): Promise<Map<string, ConsentEvent[]>> {
      const byContact = new Map<string, ConsentEvent[]>();
      const parts = await together(
        db,
        chunks(contactIds).map((part) =>
          db
            .select()
            .from(consentEvents)
            .where(inArray(consentEvents.contactId, part))
            .orderBy(asc(consentEvents.occurredAt), asc(consentEvents.id)),
        ),
      );
      for (const rows of parts) {
        for (const r of rows) {
          const list = byContact.get(r.contactId) ?? [];
          list.push({
            id: r.id,
            channel: r.channel as ConsentChannel,
            purpose: r.purpose,
            state: r.state,
            explicit: r.explicit,
            ...(r.legalBasis ? { legalBasis: r.legalBasis as LegalBasis } : {}),
            source: r.source as SystemName | "api",
            occurredAt: r.occurredAt,
            evidence: r.evidence,
          });
          byContact.set(r.contactId, list);
        }
      }
      return byContact;
    },
  };
}

interface EngagementSqlRow {
  key: string;
  system: string;
  type: string;
  occurredAt: number;
  title: string | null;
  detail: string;
}

export function engagementQueries(db: Db) {
  return {
    /** Every purchase event (RFM is computed over all buyers at once). */
    async purchases(): Promise<EngagementRow[]> {
      return db.select().from(engagementEvents).where(eq(engagementEvents.type, "purchase"));
    },
    /** Each person's newest events, for scoring: one batch for a batch of people. */
    async newest(
      contactIds: string[],
      limit: number,
    ): Promise<Map<string, Omit<EngagementRow, "contactId">[]>> {
      const byContact = new Map<string, Omit<EngagementRow, "contactId">[]>();
      if (contactIds.length === 0) return byContact;
      const parts = chunks(contactIds, MAX_BOUND_PARAMETERS - 1);
      const results = await db.$client.batch<EngagementSqlRow & { contactId: string }>(
        parts.map((part) =>
          db.$client
            .prepare(
              `select contactId, key, system, type, occurredAt, title, detail from (
                 select contact_id as contactId, key, system, type, occurred_at as occurredAt, title, detail,
                   row_number() over (partition by contact_id order by occurred_at desc) as rank
                 from engagement_events where contact_id in (${part.map(() => "?").join(", ")})
               ) where rank <= ? order by contactId, occurredAt desc`,
            )
            .bind(...part, limit),
        ),
      );
      for (const { results: rows } of results)
        for (const { contactId, ...row } of rows) {
          const list = byContact.get(contactId) ?? [];
          list.push({ ...row, detail: JSON.parse(row.detail) as EngagementRow["detail"] });
          byContact.set(contactId, list);
        }
      return byContact;
    },
    /** Stores events once per key; re-reads and replays add nothing. */
    async add(rows: EngagementRow[]): Promise<number> {
      const inserts = chunks(rows, rowsPerInsert(engagementEvents)).map((part) =>
        statement(db, db.insert(engagementEvents).values(part).onConflictDoNothing()),
      );
      return changes(await atomically(db, inserts));
    },
    /** Newest first; the cursor is the key of the last event of the previous page. */
    async list(contactId: string, limit: number, cursor?: string): Promise<EngagementRow[]> {
      const after = cursor
        ? await db.select().from(engagementEvents).where(eq(engagementEvents.key, cursor)).get()
        : undefined;
      return db
        .select()
        .from(engagementEvents)
        .where(
          and(
            eq(engagementEvents.contactId, contactId),
            after
              ? or(
                  lt(engagementEvents.occurredAt, after.occurredAt),
                  and(
                    eq(engagementEvents.occurredAt, after.occurredAt),
                    lt(engagementEvents.key, after.key),
                  ),
                )
              : undefined,
          ),
        )
        .orderBy(desc(engagementEvents.occurredAt), desc(engagementEvents.key))
        .limit(limit);
    },
  };
}
