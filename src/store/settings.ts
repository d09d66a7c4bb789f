import { eq } from "drizzle-orm";
import { settings } from "./schema.ts";
import type { Db } from "./sqlite.ts";

/** Small per-installation values. */
export function settingQueries(db: Db) {
  const read = (key: string) => db.select().from(settings).where(eq(settings.key, key)).get();
  return {
    /** The stored value, created on first use (a per-installation secret). */
    async getOrCreate(key: string, create: () => string): Promise<string> {
      db.insert(settings).values({ key, value: create() }).onConflictDoNothing().run();
      return read(key)!.value;
    },
    /** Stores the value; true when it differs from the one stored before (or none was). */
    async changed(key: string, value: string): Promise<boolean> {
      const before = read(key)?.value;
      if (before === value) return false;
      db.insert(settings)
        .values({ key, value })
        .onConflictDoUpdate({ target: settings.key, set: { value } })
        .run();
      return true;
    },
  };
}
