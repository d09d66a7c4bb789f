import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { d1OverSqlite } from "./d1-over-sqlite.ts";
import { type D1Like, type Db, storeDb } from "./db.ts";

// Workers code should import storeDb from db.ts or index.ts: this module pulls in better-sqlite3.
export { type D1Like, type Db, storeDb };

const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), "../../drizzle");

/**
 * Opens (creating if needed) the embedded store in WAL mode and applies pending migrations.
 * The store runs on drizzle's D1 driver here too, over a D1-compatible adapter, so Node
 * and Workers execute the same queries under the same limits.
 */
export function openSqlite(path: string): { db: Db; close: () => void } {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // A checkpoint is where WAL mode syncs to disk: every 10,000 pages (40 MiB of WAL) instead
  // of SQLite's 1,000 saves a fifth of a bulk import's write time, at the same durability.
  sqlite.pragma("wal_autocheckpoint = 10000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Every person saved writes about ten index entries at random places (match keys): with
  // SQLite's 2 MiB page cache a bulk import re-reads index pages it has just written.
  sqlite.pragma("cache_size = -65536");
  migrate(drizzle(sqlite), { migrationsFolder });
  return { db: storeDb(d1OverSqlite(sqlite)), close: () => sqlite.close() };
}
