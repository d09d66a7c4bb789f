import { type AnyD1Database, type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

/**
 * The part of Cloudflare's D1 binding the store uses. The Workers `env.DB` satisfies it as
 * is, and on Node `d1OverSqlite` provides it over better-sqlite3.
 */
export interface D1Like {
  prepare(sql: string): D1LikeStatement;
  /** Runs the statements in order as one transaction: all of them or none. */
  batch<T = Record<string, unknown>>(statements: D1LikeStatement[]): Promise<D1LikeResult<T>[]>;
  exec(sql: string): Promise<{ count: number; duration: number }>;
}

export interface D1LikeStatement {
  bind(...values: unknown[]): D1LikeStatement;
  all<T = Record<string, unknown>>(): Promise<D1LikeResult<T>>;
  run<T = Record<string, unknown>>(): Promise<D1LikeResult<T>>;
  raw<T = unknown[]>(): Promise<T[]>;
  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
}

export interface D1LikeResult<T = Record<string, unknown>> {
  results: T[];
  success: true;
  meta: D1LikeMeta;
}

export interface D1LikeMeta {
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
}

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Like };

/** The store's drizzle database over a D1 binding (Workers: `storeDb(env.DB)`). */
export function storeDb(client: D1Like): Db {
  return drizzle(client as AnyD1Database, { schema });
}
