import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import { chunks, IN_LIST, together } from "./batch.ts";
import type { Db } from "./db.ts";
import { duplicates } from "./schema.ts";

export type DuplicateRow = typeof duplicates.$inferSelect;
export type DuplicateStatus = "pending" | "merged" | "dismissed";

const ordered = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);

/** Candidate pairs of people; one row per pair, whatever order the ids come in. */
export function duplicateQueries(db: Db) {
  const forPair = (x: string, y: string) => {
    const [a, b] = ordered(x, y);
    return db
      .select()
      .from(duplicates)
      .where(and(eq(duplicates.a, a), eq(duplicates.b, b)))
      .get();
  };
  return {
    forPair: async (x: string, y: string) => forPair(x, y),

    /** Queues a pair for review; a pair already decided keeps its decision. */
    async propose(
      row: Omit<DuplicateRow, "status" | "decidedAt" | "decidedBy">,
    ): Promise<DuplicateRow> {
      const existing = await forPair(row.a, row.b);
      if (existing && existing.status !== "pending") return existing;
      if (existing) {
        await db
          .update(duplicates)
          .set({ probability: row.probability, evidence: row.evidence })
          .where(eq(duplicates.id, existing.id));
        return { ...existing, probability: row.probability, evidence: row.evidence };
      }
      const [a, b] = ordered(row.a, row.b);
      const created = { ...row, a, b, status: "pending", decidedAt: null, decidedBy: null };
      await db.insert(duplicates).values(created);
      return created;
    },

    /** Records a decision on the pair, creating the row when the pair was never proposed. */
    async decide(
      x: string,
      y: string,
      decision: { status: DuplicateStatus; at: number; by: string; id: string },
      scored?: Pick<DuplicateRow, "probability" | "evidence">,
    ): Promise<void> {
      const existing = await forPair(x, y);
      const values = { status: decision.status, decidedAt: decision.at, decidedBy: decision.by };
      if (existing) {
        await db.update(duplicates).set(values).where(eq(duplicates.id, existing.id));
        return;
      }
      const [a, b] = ordered(x, y);
      await db.insert(duplicates).values({
        id: decision.id,
        a,
        b,
        probability: scored?.probability ?? 0,
        evidence: scored?.evidence ?? [],
        createdAt: decision.at,
        ...values,
      });
    },

    async get(id: string): Promise<DuplicateRow | undefined> {
      return db.select().from(duplicates).where(eq(duplicates.id, id)).get();
    },

    async list(status: DuplicateStatus, limit: number, after?: string): Promise<DuplicateRow[]> {
      return db
        .select()
        .from(duplicates)
        .where(and(eq(duplicates.status, status), after ? gt(duplicates.id, after) : undefined))
        .orderBy(asc(duplicates.id))
        .limit(limit);
    },

    /** Which of these people are in a pair awaiting review. */
    async pendingAmong(ids: string[]): Promise<Set<string>> {
      const wanted = new Set(ids);
      // Each id is bound twice (a and b), so half a list per query.
      const parts = await together(
        db,
        chunks(ids, IN_LIST / 2).map((part) =>
          db
            .select({ a: duplicates.a, b: duplicates.b })
            .from(duplicates)
            .where(
              and(
                eq(duplicates.status, "pending"),
                or(inArray(duplicates.a, part), inArray(duplicates.b, part)),
              ),
            ),
        ),
      );
      const found = new Set<string>();
      for (const row of parts.flat())
        for (const id of [row.a, row.b]) if (wanted.has(id)) found.add(id);
      return found;
    },

    /** Pending pairs that name a person merged away are moot: the survivor is matched afresh. */
    async dropPendingOf(contactId: string): Promise<void> {
      await db
        .delete(duplicates)
        .where(
          and(
            eq(duplicates.status, "pending"),
            or(eq(duplicates.a, contactId), eq(duplicates.b, contactId)),
          ),
        );
    },
  };
}
