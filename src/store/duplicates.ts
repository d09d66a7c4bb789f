import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import { duplicates } from "./schema.ts";
import type { Db } from "./sqlite.ts";

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
      const existing = forPair(row.a, row.b);
      if (existing && existing.status !== "pending") return existing;
      if (existing) {
        db.update(duplicates)
          .set({ probability: row.probability, evidence: row.evidence })
          .where(eq(duplicates.id, existing.id))
          .run();
        return { ...existing, probability: row.probability, evidence: row.evidence };
      }
      const [a, b] = ordered(row.a, row.b);
      const created = { ...row, a, b, status: "pending", decidedAt: null, decidedBy: null };
      db.insert(duplicates).values(created).run();
      return created;
    },

    /** Records a decision on the pair, creating the row when the pair was never proposed. */
    async decide(
      x: string,
      y: string,
      decision: { status: DuplicateStatus; at: number; by: string; id: string },
      scored?: Pick<DuplicateRow, "probability" | "evidence">,
    ): Promise<void> {
      const existing = forPair(x, y);
      const values = { status: decision.status, decidedAt: decision.at, decidedBy: decision.by };
      if (existing) {
        db.update(duplicates).set(values).where(eq(duplicates.id, existing.id)).run();
        return;
      }
      const [a, b] = ordered(x, y);
      db.insert(duplicates)
        .values({
          id: decision.id,
          a,
          b,
          probability: scored?.probability ?? 0,
          evidence: scored?.evidence ?? [],
          createdAt: decision.at,
          ...values,
        })
        .run();
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
        .limit(limit)
        .all();
    },

    /** Which of these people are in a pair awaiting review. */
    async pendingAmong(ids: string[]): Promise<Set<string>> {
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const rows = db
          .select({ a: duplicates.a, b: duplicates.b })
          .from(duplicates)
          .where(
            and(
              eq(duplicates.status, "pending"),
              or(inArray(duplicates.a, part), inArray(duplicates.b, part)),
            ),
          )
          .all();
        for (const row of rows)
          for (const id of [row.a, row.b]) if (part.includes(id)) found.add(id);
      }
      return found;
    },

    /** Pending pairs that name a person merged away are moot: the survivor is matched afresh. */
    async dropPendingOf(contactId: string): Promise<void> {
      db.delete(duplicates)
        .where(
          and(
            eq(duplicates.status, "pending"),
            or(eq(duplicates.a, contactId), eq(duplicates.b, contactId)),
          ),
        )
        .run();
    },
  };
}
