import { eq, inArray } from "drizzle-orm";
import { contacts, erasures, tombstones } from "./schema.ts";
import type { Db } from "./sqlite.ts";

export type ErasureRow = typeof erasures.$inferSelect;

export function erasureQueries(db: Db) {
  return {
    /**
     * In one transaction: tombstones first, the audit row, then the person's data in the hub
     * (links, match keys, consent and engagement go with the contact by cascade).
     */
    async begin(
      row: Omit<ErasureRow, "completedAt">,
      hashes: string[],
      contactId: string,
    ): Promise<void> {
      db.transaction((tx) => {
        for (const hash of hashes) {
          tx.insert(tombstones)
            .values({ hash, erasureId: row.id, createdAt: row.createdAt })
            .onConflictDoNothing()
            .run();
        }
        tx.insert(erasures).values(row).run();
        tx.delete(contacts).where(eq(contacts.id, contactId)).run();
      });
    },
    async get(id: string): Promise<ErasureRow | undefined> {
      return db.select().from(erasures).where(eq(erasures.id, id)).get();
    },
    async update(
      id: string,
      patch: Partial<Pick<ErasureRow, "status" | "targets" | "completedAt">>,
    ): Promise<void> {
      db.update(erasures).set(patch).where(eq(erasures.id, id)).run();
    },
    async unfinished(): Promise<ErasureRow[]> {
      return db
        .select()
        .from(erasures)
        .where(inArray(erasures.status, ["running", "partial"]))
        .all();
    },
    /** Whether anybody was ever erased (most batches can then skip hashing altogether). */
    async anyTombstones(): Promise<boolean> {
      return db.select({ hash: tombstones.hash }).from(tombstones).limit(1).get() !== undefined;
    },
    /** Which of these hashes are tombstoned. */
    async tombstoned(hashes: string[]): Promise<Set<string>> {
      if (hashes.length === 0) return new Set();
      const found = new Set<string>();
      for (let i = 0; i < hashes.length; i += 500) {
        const rows = db
          .select({ hash: tombstones.hash })
          .from(tombstones)
          .where(inArray(tombstones.hash, hashes.slice(i, i + 500)))
          .all();
        for (const row of rows) found.add(row.hash);
      }
      return found;
    },
  };
}
