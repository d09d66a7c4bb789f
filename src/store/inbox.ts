import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { ChangeNotice } from "../../connectors/contract.ts";
import { atomically, changes, chunks, rowsPerInsert, statement } from "./batch.ts";
import type { Db } from "./db.ts";
import { cursors, inbox } from "./schema.ts";

export type InboxRow = typeof inbox.$inferSelect;

export function inboxQueries(db: Db) {
  return {
    /** Persists notices; a notice whose event key is already stored is ignored. Returns how many were new. */
    async enqueue(notices: ChangeNotice[], now: number): Promise<number> {
      const rows = notices.map((n) => ({
        eventKey: n.eventKey,
        system: n.system,
        object: n.object,
        externalId: n.externalId,
        kind: n.kind,
        occurredAt: n.occurredAt,
        receivedAt: now,
        ...(n.detail ? { detail: n.detail } : {}),
        status: "pending" as const,
      }));
      const inserts = chunks(rows, rowsPerInsert(inbox)).map((part) =>
        statement(db, db.insert(inbox).values(part).onConflictDoNothing()),
      );
      return changes(await atomically(db, inserts));
    },

    async pending(limit: number): Promise<InboxRow[]> {
      return db
        .select()
        .from(inbox)
        .where(eq(inbox.status, "pending"))
        .orderBy(asc(inbox.id))
        .limit(limit);
    },

    async complete(ids: number[], now: number): Promise<void> {
      await atomically(
        db,
        chunks(ids).map((part) =>
          statement(
            db,
            db
              .update(inbox)
              .set({ status: "done", processedAt: now })
              .where(inArray(inbox.id, part)),
          ),
        ),
      );
    },

    /** Counts a failed attempt; after `maxAttempts` the notice is parked as failed. */
    async fail(ids: number[], error: string, maxAttempts: number): Promise<void> {
      const failing = (part: number[]) =>
        db
          .update(inbox)
          .set({
            attempts: sql`${inbox.attempts} + 1`,
            lastError: error,
            status: sql`case when ${inbox.attempts} + 1 >= ${maxAttempts} then 'failed' else 'pending' end`,
          })
          .where(and(inArray(inbox.id, part), eq(inbox.status, "pending")));
      await atomically(
        db,
        chunks(ids).map((part) => statement(db, failing(part))),
      );
    },

    async countByStatus(): Promise<Record<string, number>> {
      const rows = await db
        .select({ status: inbox.status, n: sql<number>`count(*)` })
        .from(inbox)
        .groupBy(inbox.status);
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };
}

export function cursorQueries(db: Db) {
  return {
    async get(key: string): Promise<string | null> {
      return (await db.select().from(cursors).where(eq(cursors.key, key)).get())?.value ?? null;
    },
    async set(key: string, value: string, now: number): Promise<void> {
      await db
        .insert(cursors)
        .values({ key, value, updatedAt: now })
        .onConflictDoUpdate({ target: cursors.key, set: { value, updatedAt: now } });
    },
  };
}
