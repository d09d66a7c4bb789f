import { eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { settings } from "./schema.ts";

/** Small per-installation values. */
export function settingQueries(db: Db) {
  const read = (key: string) => db.select().from(settings).where(eq(settings.key, key));
  return {
    /** The stored value, created on first use (a per-installation secret). */
    async getOrCreate(key: string, create: () => string): Promise<string> {
      const [, stored] = await db.batch([
        db.insert(settings).values({ key, value: create() }).onConflictDoNothing(),
        read(key),
      ]);
      return stored[0]!.value;
    },
    /** Stores the value; true when it differs from the one stored before (or none was). */
    async changed(key: string, value: string): Promise<boolean> {
      const before = (await read(key))[0]?.value;
      if (before === value) return false;
      await db
        .insert(settings)
        .values({ key, value })
        .onConflictDoUpdate({ target: settings.key, set: { value } });
      return true;
    },
  };
}
