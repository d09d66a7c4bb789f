import { and, desc, eq, inArray } from "drizzle-orm";
import { atomically, chunks, rowsPerInsert, statement } from "./batch.ts";
import type { Db } from "./db.ts";
import { deadLetters, mergedRecords, recordMerges } from "./schema.ts";

export type RecordMergeRow = typeof recordMerges.$inferSelect;

/** The audit of merges the hub made inside systems, per person. */
export function recordMergeQueries(db: Db) {
  return {
    /** Audits merges; the records a merge folded away are remembered (see `mergedAway`). */
    async add(rows: RecordMergeRow[]): Promise<void> {
      if (rows.length === 0) return;
      const away = rows
        .filter((row) => row.status === "merged")
        .flatMap((row) =>
          // HubSpot gives the merged contact a new id: the primary's old id is gone as well.
          [...row.mergedIds, ...(row.survivorId !== row.primaryId ? [row.primaryId] : [])].map(
            (externalId) => ({
              system: row.system,
              object: row.object,
              externalId,
              contactId: row.contactId,
              mergedAt: row.createdAt,
            }),
          ),
        );
      await atomically(db, [
        statement(db, db.insert(recordMerges).values(rows)),
        ...chunks(away, rowsPerInsert(mergedRecords)).map((part) =>
          statement(db, db.insert(mergedRecords).values(part).onConflictDoNothing()),
        ),
      ]);
    },
    /** Which of these records the hub merged away in their system, as `system/object/externalId`. */
    async mergedAway(
      refs: readonly { system: string; object: string; externalId: string }[],
    ): Promise<Set<string>> {
      const out = new Set<string>();
      const wanted = new Set(refs.map((r) => `${r.system}/${r.object}/${r.externalId}`));
      for (const part of chunks([...new Set(refs.map((r) => r.externalId))])) {
        const rows = await db
          .select({
            system: mergedRecords.system,
            object: mergedRecords.object,
            externalId: mergedRecords.externalId,
          })
          .from(mergedRecords)
          .where(inArray(mergedRecords.externalId, part));
        for (const r of rows) {
          const key = `${r.system}/${r.object}/${r.externalId}`;
          if (wanted.has(key)) out.add(key);
        }
      }
      return out;
    },
    /**
     * Systems and objects where a merge for this person was refused for good and its dead
     * letter is still open (an operator's replay closes it, and the merge is asked again).
     */
    async refusedFor(contactId: string): Promise<Set<string>> {
      const rows = await db
        .select({ system: deadLetters.system, object: deadLetters.object })
        .from(deadLetters)
        .where(
          and(
            eq(deadLetters.contactId, contactId),
            eq(deadLetters.operation, "merge"),
            eq(deadLetters.status, "open"),
            eq(deadLetters.retryable, false),
          ),
        );
      return new Set(rows.map((r) => `${r.system}/${r.object}`));
    },
    /** This person's merges in systems, newest first. */
    async forContact(contactId: string): Promise<RecordMergeRow[]> {
      return db
        .select()
        .from(recordMerges)
        .where(eq(recordMerges.contactId, contactId))
        .orderBy(desc(recordMerges.createdAt), desc(recordMerges.id));
    },
  };
}
