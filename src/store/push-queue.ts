import { asc, inArray } from "drizzle-orm";
import { pushQueue } from "./schema.ts";
import type { Db } from "./sqlite.ts";

/** People whose merged record still has to be written out; survives restarts. */
export function pushQueueQueries(db: Db) {
  return {
    async add(contactIds: string[], at: number): Promise<void> {
      if (contactIds.length === 0) return;
      db.transaction((tx) => {
        for (const contactId of contactIds)
          tx.insert(pushQueue).values({ contactId, queuedAt: at }).onConflictDoNothing().run();
      });
    },
    async next(limit: number): Promise<string[]> {
      return db
        .select({ id: pushQueue.contactId })
        .from(pushQueue)
        .orderBy(asc(pushQueue.queuedAt), asc(pushQueue.contactId))
        .limit(limit)
        .all()
        .map((r) => r.id);
    },
    async remove(contactIds: string[]): Promise<void> {
      if (contactIds.length > 0)
        db.delete(pushQueue).where(inArray(pushQueue.contactId, contactIds)).run();
    },
    async size(): Promise<number> {
      return db.$count(pushQueue);
    },
  };
}
