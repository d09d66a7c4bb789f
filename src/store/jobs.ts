import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { Db } from "./db.ts";
import { type JobError, jobs } from "./schema.ts";

export type JobRow = typeof jobs.$inferSelect;
export type JobStatus = JobRow["status"];
export type JobPatch = Partial<
  Pick<JobRow, "status" | "progress" | "checkpoint" | "errors" | "startedAt" | "finishedAt">
>;

const MAX_ERRORS = 100;

export function jobQueries(db: Db) {
  return {
    async create(
      row: Pick<JobRow, "id" | "kind" | "params" | "progress" | "createdAt">,
    ): Promise<JobRow> {
      return db
        .insert(jobs)
        .values({ ...row, status: "queued", errors: [], checkpoint: null })
        .returning()
        .get();
    },
    async get(id: string, kind?: string): Promise<JobRow | undefined> {
      return db
        .select()
        .from(jobs)
        .where(kind ? and(eq(jobs.id, id), eq(jobs.kind, kind)) : eq(jobs.id, id))
        .get();
    },
    /** Newest first; the cursor is the id of the last row of the previous page. */
    async list(kind: string, limit: number, cursor?: string): Promise<JobRow[]> {
      const after = cursor ? await this.get(cursor, kind) : undefined;
      return db
        .select()
        .from(jobs)
        .where(
          and(
            eq(jobs.kind, kind),
            after
              ? or(
                  lt(jobs.createdAt, after.createdAt),
                  and(eq(jobs.createdAt, after.createdAt), lt(jobs.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(jobs.createdAt), desc(jobs.id))
        .limit(limit);
    },
    async update(id: string, patch: JobPatch): Promise<void> {
      const errors = patch.errors?.slice(-MAX_ERRORS);
      await db
        .update(jobs)
        .set({ ...patch, ...(errors ? { errors } : {}) })
        .where(eq(jobs.id, id));
    },
    async requestCancel(id: string): Promise<void> {
      await db.update(jobs).set({ cancelRequested: true }).where(eq(jobs.id, id));
    },
    /** Jobs a crash interrupted or that never started: they resume from their checkpoint. */
    async unfinished(kind: string): Promise<JobRow[]> {
      return db
        .select()
        .from(jobs)
        .where(and(eq(jobs.kind, kind), inArray(jobs.status, ["queued", "running"])))
        .orderBy(jobs.createdAt);
    },
  };
}

export type { JobError };
