import { and, asc, desc, eq, inArray, isNotNull, lt, lte, or } from "drizzle-orm";
import { nextAttemptAt } from "../sync/retry.ts";
import { atomically, chunks, rowsPerInsert, statement } from "./batch.ts";
import type { Db } from "./db.ts";
import { deadLetters } from "./schema.ts";

export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** A failed write as the pipeline reports it. */
export type FailedWrite = Omit<
  DeadLetterRow,
  "status" | "attempts" | "updatedAt" | "retryable" | "nextAttemptAt"
> & { retryable?: boolean };

const key = (l: Pick<DeadLetterRow, "contactId" | "system" | "object">) =>
  `${l.contactId}\u0000${l.system}\u0000${l.object}`;

export function deadLetterQueries(db: Db) {
  /** Sets these fields on those of the letters that are still open, in one batch. */
  const updateOpen = (ids: string[], set: Partial<DeadLetterRow>) =>
    atomically(
      db,
      chunks(ids).map((part) =>
        statement(
          db,
          db
            .update(deadLetters)
            .set(set)
            .where(and(inArray(deadLetters.id, part), eq(deadLetters.status, "open"))),
        ),
      ),
    );
  const getMany = async (ids: string[]): Promise<DeadLetterRow[]> =>
    (
      await Promise.all(
        chunks(ids).map((part) =>
          db.select().from(deadLetters).where(inArray(deadLetters.id, part)),
        ),
      )
    ).flat();
  return {
    /**
     * Records failed writes. A write that fails again while its letter (same person, system
     * and object) awaits a retry is folded into that letter: attempts + 1, the new error,
     * and the next try by the retry policy (none when permanent or given up). Otherwise a
     * new open letter, with a first retry scheduled when the error is retryable.
     */
    async add(rows: FailedWrite[]): Promise<void> {
      if (rows.length === 0) return;
      const contactIds = [...new Set(rows.map((r) => r.contactId))];
      const waiting = new Map<string, DeadLetterRow>();
      for (const part of chunks(contactIds)) {
        const found = await db
          .select()
          .from(deadLetters)
          .where(
            and(
              inArray(deadLetters.contactId, part),
              eq(deadLetters.status, "open"),
              isNotNull(deadLetters.nextAttemptAt),
            ),
          );
        for (const letter of found) waiting.set(key(letter), letter);
      }
      const inserts: DeadLetterRow[] = [];
      const updates = new Map<string, DeadLetterRow>();
      for (const row of rows) {
        const retryable = row.retryable ?? false;
        const earlier = waiting.get(key(row));
        if (earlier) {
          const attempts = earlier.attempts + 1;
          const folded: DeadLetterRow = {
            ...earlier,
            externalId: row.externalId,
            operation: row.operation,
            error: row.error,
            retryable,
            attempts,
            nextAttemptAt: retryable
              ? nextAttemptAt(attempts, earlier.createdAt, row.createdAt)
              : null,
            updatedAt: row.createdAt,
          };
          updates.set(folded.id, folded);
          waiting.set(key(row), folded);
          continue;
        }
        inserts.push({
          ...row,
          retryable,
          status: "open",
          attempts: 1,
          nextAttemptAt: retryable ? nextAttemptAt(1, row.createdAt, row.createdAt) : null,
          updatedAt: row.createdAt,
        });
      }
      await atomically(db, [
        ...[...updates.values()].map(({ id, ...set }) =>
          statement(db, db.update(deadLetters).set(set).where(eq(deadLetters.id, id))),
        ),
        ...chunks(inserts, rowsPerInsert(deadLetters)).map((part) =>
          statement(db, db.insert(deadLetters).values(part)),
        ),
      ]);
    },
    async get(id: string): Promise<DeadLetterRow | undefined> {
      return db.select().from(deadLetters).where(eq(deadLetters.id, id)).get();
    },
    getMany,
    async list(
      limit: number,
      status?: DeadLetterRow["status"],
      cursor?: string,
    ): Promise<DeadLetterRow[]> {
      const after = cursor ? await this.get(cursor) : undefined;
      return db
        .select()
        .from(deadLetters)
        .where(
          and(
            status ? eq(deadLetters.status, status) : undefined,
            after
              ? or(
                  lt(deadLetters.createdAt, after.createdAt),
                  and(eq(deadLetters.createdAt, after.createdAt), lt(deadLetters.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
        .limit(limit);
    },
    /** Open letters whose next try is due, the longest waiting first. */
    async due(now: number, limit: number): Promise<DeadLetterRow[]> {
      return db
        .select()
        .from(deadLetters)
        .where(and(lte(deadLetters.nextAttemptAt, now), eq(deadLetters.status, "open")))
        .orderBy(asc(deadLetters.nextAttemptAt))
        .limit(limit);
    },
    /** Pushes the next try of letters being retried to `until`, so another pass skips them. */
    async lease(ids: string[], until: number): Promise<void> {
      await updateOpen(ids, { nextAttemptAt: until });
    },
    /** A retry that could not run (reading the people failed): one more failed attempt each. */
    async failedAgain(
      letters: DeadLetterRow[],
      error: DeadLetterRow["error"],
      now: number,
    ): Promise<void> {
      await atomically(
        db,
        letters.map((letter) =>
          statement(
            db,
            db
              .update(deadLetters)
              .set({
                error,
                retryable: true,
                attempts: letter.attempts + 1,
                nextAttemptAt: nextAttemptAt(letter.attempts + 1, letter.createdAt, now),
                updatedAt: now,
              })
              .where(and(eq(deadLetters.id, letter.id), eq(deadLetters.status, "open"))),
          ),
        ),
      );
    },
    /** Letters an automatic retry delivered (or found nothing left to write for). */
    async markRetried(ids: string[], now: number): Promise<void> {
      await updateOpen(ids, { status: "retried", nextAttemptAt: null, updatedAt: now });
    },
    async markReplayed(id: string, now: number): Promise<void> {
      await db
        .update(deadLetters)
        .set({ status: "replayed", nextAttemptAt: null, updatedAt: now })
        .where(eq(deadLetters.id, id));
    },
  };
}
