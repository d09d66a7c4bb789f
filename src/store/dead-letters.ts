import { and, desc, eq, lt, or } from "drizzle-orm";
import { deadLetters } from "./schema.ts";
import type { Db } from "./sqlite.ts";

export type DeadLetterRow = typeof deadLetters.$inferSelect;

export function deadLetterQueries(db: Db) {
  return {
    async add(rows: Omit<DeadLetterRow, "status" | "attempts" | "updatedAt">[]): Promise<void> {
      if (rows.length === 0) return;
      db.transaction((tx) => {
        for (const row of rows) {
          tx.insert(deadLetters)
            .values({ ...row, status: "open", updatedAt: row.createdAt })
            .run();
        }
      });
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
        .limit(limit)
        .all();
    },
    async markReplayed(id: string, now: number): Promise<void> {
      db.update(deadLetters)
        .set({ status: "replayed", updatedAt: now })
        .where(eq(deadLetters.id, id))
        .run();
    },
  };
}
