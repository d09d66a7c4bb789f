import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { ChangeNotice } from "../../connectors/contract.ts";
import { cursors, inbox } from "./schema.ts";
import type { Db } from "./sqlite.ts";

export type InboxRow = typeof inbox.$inferSelect;

export function inboxQueries(db: Db) {
  return {
    /** Persists notices; a notice whose event key is already stored is ignored. Returns how many were new. */
    async enqueue(notices: ChangeNotice[], now: number): Promise<number> {
      if (notices.length === 0) return 0;
      return db.transaction((tx) => {
        let inserted = 0;
        for (const n of notices) {
          const result = tx
            .insert(inbox)
            .values({
              eventKey: n.eventKey,
              system: n.system,
              object: n.object,
              externalId: n.externalId,
              kind: n.kind,
              occurredAt: n.occurredAt,
              receivedAt: now,
              ...(n.detail ? { detail: n.detail } : {}),
              status: "pending",
            })
            .onConflictDoNothing()
            .run();
          inserted += result.changes;
        }
        return inserted;
      });
    },

    async pending(limit: number): Promise<InboxRow[]> {
      return db
        .select()
        .from(inbox)
        .where(eq(inbox.status, "pending"))
        .orderBy(asc(inbox.id))
        .limit(limit)
        .all();
    },

    async complete(ids: number[], now: number): Promise<void> {
      if (ids.length === 0) return;
      db.update(inbox)
        .set({ status: "done", processedAt: now })
        .where(inArray(inbox.id, ids))
        .run();
    },

    /** Counts a failed attempt; after `maxAttempts` the notice is parked as failed. */
    async fail(ids: number[], error: string, maxAttempts: number): Promise<void> {
      if (ids.length === 0) return;
      db.update(inbox)
        .set({
          attempts: sql`${inbox.attempts} + 1`,
          lastError: error,
          status: sql`case when ${inbox.attempts} + 1 >= ${maxAttempts} then 'failed' else 'pending' end`,
        })
        .where(and(inArray(inbox.id, ids), eq(inbox.status, "pending")))
        .run();
    },

    async countByStatus(): Promise<Record<string, number>> {
      const rows = db
        .select({ status: inbox.status, n: sql<number>`count(*)` })
        .from(inbox)
        .groupBy(inbox.status)
        .all();
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
  };
}

export function cursorQueries(db: Db) {
  return {
    async get(key: string): Promise<string | null> {
      return db.select().from(cursors).where(eq(cursors.key, key)).get()?.value ?? null;
    },
    async set(key: string, value: string, now: number): Promise<void> {
      db.insert(cursors)
        .values({ key, value, updatedAt: now })
        .onConflictDoUpdate({ target: cursors.key, set: { value, updatedAt: now } })
        .run();
    },
  };
}
