import { getTableColumns } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { D1LikeResult, D1LikeStatement, Db } from "./db.ts";

/** D1 refuses a statement that binds more parameters than this. */
export const MAX_BOUND_PARAMETERS = 100;
/** Values per `in (...)` list, leaving room for the other parameters of the query. */
export const IN_LIST = 90;

export const chunks = <T>(items: readonly T[], size = IN_LIST): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/** Rows per multi-row insert into this table that bind at most `MAX_BOUND_PARAMETERS`. */
export const rowsPerInsert = (table: SQLiteTable): number =>
  Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / Object.keys(getTableColumns(table)).length));

/** A drizzle query as a bound D1 statement, so it can share a batch with plain SQL. */
export function statement(
  db: Db,
  query: { toSQL(): { sql: string; params: unknown[] } },
): D1LikeStatement {
  const { sql, params } = query.toSQL();
  return db.$client.prepare(sql).bind(...params);
}

/** One atomic unit (D1 has no interactive transactions): every statement or none. */
export async function atomically(db: Db, statements: D1LikeStatement[]): Promise<D1LikeResult[]> {
  return statements.length === 0 ? [] : db.$client.batch(statements);
}

export const changes = (results: D1LikeResult[]): number =>
  results.reduce((sum, result) => sum + result.meta.changes, 0);

/** Drizzle queries run as one batch: one round trip on D1 and one consistent read. */
export async function together<Q extends BatchItem<"sqlite">>(
  db: Db,
  queries: Q[],
): Promise<Q["_"]["result"][]> {
  if (queries.length === 0) return [];
  return db.batch(queries as [Q, ...Q[]]);
}
