import { asc, inArray } from "drizzle-orm";
import { atomically, chunks, rowsPerInsert, statement } from "./batch.ts";
import type { Db } from "./db.ts";
import { pushQueue } from "./schema.ts";

/** People whose merged record still has to be written out; survives restarts. */
export function pushQueueQueries(db: Db) {
  return {
    async add(contactIds: string[], at: number): Promise<void> {
      const rows = contactIds.map((contactId) => ({ contactId, queuedAt: at }));
      await atomically(
        db,
        chunks(rows, rowsPerInsert(pushQueue)).map((part) =>
          statement(db, db.insert(pushQueue).values(part).onConflictDoNothing()),
        ),
      );
    },
    async next(limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: pushQueue.contactId })
        .from(pushQueue)
        .orderBy(asc(pushQueue.queuedAt), asc(pushQueue.contactId))
        .limit(limit);
      return rows.map((r) => r.id);
    },
    async remove(contactIds: string[]): Promise<void> {
      await atomically(
        db,
        chunks(contactIds).map((part) =>
          statement(db, db.delete(pushQueue).where(inArray(pushQueue.contactId, part))),
        ),
      );
    },
    async size(): Promise<number> {
      return db.$count(pushQueue);
    },
  };
}
