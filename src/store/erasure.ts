import { eq, inArray } from "drizzle-orm";
import { atomically, chunks, rowsPerInsert, statement, together } from "./batch.ts";
import type { Db } from "./db.ts";
import { contacts, erasures, mergedRecords, recordMerges, tombstones } from "./schema.ts";

export type ErasureRow = typeof erasures.$inferSelect;

export function erasureQueries(db: Db) {
  return {
    /**
     * In one batch: tombstones first, the audit row, then the person's data in the hub
     * (links, match keys, consent and engagement go with the contact by cascade; the audit
     * of merges made in systems, which names record ids, is deleted with it).
     */
    async begin(
      row: Omit<ErasureRow, "completedAt">,
      hashes: string[],
      contactId: string,
    ): Promise<void> {
      const stones = hashes.map((hash) => ({ hash, erasureId: row.id, createdAt: row.createdAt }));
      await atomically(db, [
        ...chunks(stones, rowsPerInsert(tombstones)).map((part) =>
          statement(db, db.insert(tombstones).values(part).onConflictDoNothing()),
        ),
        statement(db, db.insert(erasures).values(row)),
        statement(db, db.delete(recordMerges).where(eq(recordMerges.contactId, contactId))),
        statement(db, db.delete(mergedRecords).where(eq(mergedRecords.contactId, contactId))),
        statement(db, db.delete(contacts).where(eq(contacts.id, contactId))),
      ]);
    },
    async get(id: string): Promise<ErasureRow | undefined> {
      return db.select().from(erasures).where(eq(erasures.id, id)).get();
    },
    async update(
      id: string,
      patch: Partial<Pick<ErasureRow, "status" | "targets" | "completedAt">>,
    ): Promise<void> {
      await db.update(erasures).set(patch).where(eq(erasures.id, id));
    },
    async unfinished(): Promise<ErasureRow[]> {
      return db
        .select()
        .from(erasures)
        .where(inArray(erasures.status, ["running", "partial"]));
    },
    /** Whether anybody was ever erased (most batches can then skip hashing altogether). */
    async anyTombstones(): Promise<boolean> {
      const first = await db.select({ hash: tombstones.hash }).from(tombstones).limit(1).get();
      return first !== undefined;
    },
    /** Which of these hashes are tombstoned. */
    async tombstoned(hashes: string[]): Promise<Set<string>> {
      const parts = await together(
        db,
        chunks(hashes).map((part) =>
          db
            .select({ hash: tombstones.hash })
            .from(tombstones)
            .where(inArray(tombstones.hash, part)),
        ),
      );
      return new Set(parts.flat().map((row) => row.hash));
    },
  };
}
