import { and, desc, eq, lt, or } from "drizzle-orm";
import { atomically, chunks, rowsPerInsert, statement } from "./batch.ts";
import type { Db } from "./db.ts";
import { deadLetters } from "./schema.ts";

export type DeadLetterRow = typeof deadLetters.$inferSelect;

export function deadLetterQueries(db: Db) {
  return {
    async add(rows: Omit<DeadLetterRow, "status" | "attempts" | "updatedAt">[]): Promise<void> {
      const values = rows.map((row) => ({
        ...row,
        status: "open" as const,
        updatedAt: row.createdAt,
      }));
      await atomically(
        db,
        chunks(values, rowsPerInsert(deadLetters)).map((part) =>
          statement(db, db.insert(deadLetters).values(part)),
        ),
      );
    },
    async get(id: string): Promise<DeadLetterRow | undefined> {
      return db.select().from(deadLetters).where(eq(deadLetters.id, id)).get();
    },
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
    async markReplayed(id: string, now: number): Promise<void> {
      await db
        .update(deadLetters)
        .set({ status: "replayed", updatedAt: now })
        .where(eq(deadLetters.id, id));
    },
  };
}
