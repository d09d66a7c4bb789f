import type Database from "better-sqlite3";
import { MAX_BOUND_PARAMETERS } from "./batch.ts";
import type { D1Like, D1LikeResult, D1LikeStatement } from "./db.ts";

type Value = number | bigint | string | Buffer | null;
type Mode = "all" | "run" | "raw" | "first";

const STATEMENT_CACHE = 500;

/** Converts as D1 does: booleans become 0/1, undefined is refused. */
function toSqlite(value: unknown): Value {
  if (value === null || typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${value}'`);
}

/**
 * D1's client API over a better-sqlite3 connection, faithful where D1 differs from SQLite:
 * no interactive transactions (a batch is the atomic unit) and at most 100 bound
 * parameters per statement, so Node catches what would fail on Workers.
 */
export function d1OverSqlite(sqlite: Database.Database): D1Like {
  const compiled = new Map<string, Database.Statement>();
  const compile = (sql: string): Database.Statement => {
    let stmt = compiled.get(sql);
    if (!stmt) {
      if (compiled.size >= STATEMENT_CACHE) compiled.clear();
      stmt = sqlite.prepare(sql);
      compiled.set(sql, stmt);
    }
    return stmt;
  };
  const lastWrite = sqlite.prepare("select changes() as changes, last_insert_rowid() as id");

  const meta = (changes: number, lastRowId: number | bigint, started: number) => ({
    duration: performance.now() - started,
    changes,
    last_row_id: Number(lastRowId),
    changed_db: changes > 0,
  });

  function execute(sql: string, params: Value[], mode: Mode): unknown {
    if (params.length > MAX_BOUND_PARAMETERS) {
      throw new Error(
        `D1_ERROR: too many SQL variables: ${params.length} bound parameters, D1 allows ${MAX_BOUND_PARAMETERS}: SQLITE_ERROR`,
      );
    }
    const started = performance.now();
    const stmt = compile(sql);
    if (!stmt.reader) {
      const info = stmt.run(...params);
      if (mode === "raw") return [];
      if (mode === "first") return null;
      return {
        results: [],
        success: true,
        meta: meta(info.changes, info.lastInsertRowid, started),
      };
    }
    if (mode === "raw") {
      stmt.raw(true);
      try {
        return stmt.all(...params);
      } finally {
        stmt.raw(false);
      }
    }
    if (mode === "first") return stmt.get(...params) ?? null;
    const results = stmt.all(...params);
    const written = stmt.readonly
      ? { changes: 0, id: 0 }
      : (lastWrite.get() as { changes: number; id: number });
    return { results, success: true, meta: meta(written.changes, written.id, started) };
  }

  class Statement implements D1LikeStatement {
    constructor(
      readonly sql: string,
      readonly params: Value[] = [],
    ) {}
    bind(...values: unknown[]): D1LikeStatement {
      return new Statement(this.sql, values.map(toSqlite));
    }
    execute(mode: Mode): unknown {
      return execute(this.sql, this.params, mode);
    }
    async all<T>(): Promise<D1LikeResult<T>> {
      return this.execute("all") as D1LikeResult<T>;
    }
    async run<T>(): Promise<D1LikeResult<T>> {
      return this.execute("run") as D1LikeResult<T>;
    }
    async raw<T>(): Promise<T[]> {
      return this.execute("raw") as T[];
    }
    async first<T>(column?: string): Promise<T | null> {
      const row = this.execute("first") as Record<string, unknown> | null;
      if (row === null || column === undefined) return row as T | null;
      if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
      return row[column] as T;
    }
  }

  const runBatch = sqlite.transaction((statements: Statement[]) =>
    statements.map((s) => s.execute("all")),
  );

  return {
    prepare: (sql) => new Statement(sql),
    async batch<T>(statements: D1LikeStatement[]): Promise<D1LikeResult<T>[]> {
      if (statements.length === 0)
        throw new Error("D1_ERROR: batch() needs at least one statement");
      const own = statements.map((s) => {
        if (!(s instanceof Statement))
          throw new TypeError("D1_ERROR: a statement of another database");
        return s;
      });
      // A batch that writes takes the write lock up front (BEGIN IMMEDIATE): the engine's
      // thread and the HTTP thread write the same file, and a read that later turns into a
      // write would fail with SQLITE_BUSY instead of waiting its turn.
      const writes = own.some((s) => !compile(s.sql).readonly);
      return (writes ? runBatch.immediate(own) : runBatch(own)) as D1LikeResult<T>[];
    },
    async exec(sql) {
      const started = performance.now();
      sqlite.exec(sql);
      const count = sql.split(";").filter((part) => part.trim() !== "").length;
      return { count, duration: performance.now() - started };
    },
  };
}
