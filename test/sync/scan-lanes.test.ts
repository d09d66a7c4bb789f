import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Contact } from "../../src/core/contact.ts";
import { createStore } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { scanForDuplicates } from "../../src/sync/merge.ts";
import { createLanes } from "../../src/sync/serial.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

const identity = shippedIdentity();
const mappings = shippedMappings();

/** Two stored copies of one person (same name, birth date and street; no email). */
function twins(n: number): Contact[] {
  const value = (v: string) => ({ value: v, system: "hubspot" as const, at: 1 });
  const golden = {
    firstName: value(`given${n}`),
    lastName: value(`surname${n}x`),
    birthDate: value(`19${50 + (n % 50)}-0${(n % 9) + 1}-1${n % 10}`),
    street: value(`${n} main street`),
    postalCode: value(String(2000 + n)),
    city: value("sydney"),
  };
  return [0, 1].map((k) => ({
    id: randomUUID(),
    golden,
    links: [],
    createdAt: n * 2 + k,
    updatedAt: n * 2 + k,
    score: null,
  }));
}

describe("a dedupe scan in the lanes", () => {
  it("decides its pairs in parts, so a notice waits for one part and not for the scan", async () => {
    const { db, close } = openSqlite(":memory:");
    try {
      const store = createStore(db, identity);
      await store.contacts.save(Array.from({ length: 250 }, (_, n) => twins(n)).flat());
      const lanes = createLanes();
      const order: string[] = [];
      let parts = 0;
      const bulk = <T>(task: () => Promise<T>) =>
        lanes.run("bulk", async () => {
          parts++;
          if (parts === 2) void lanes.run("fast", async () => order.push("notice"));
          return task();
        });
      const deps = {
        store,
        connectors: new Map(),
        mappings,
        identity,
        now: () => 1_000,
        newId: randomUUID,
      };
      const counts = await scanForDuplicates(deps, { bulk });
      order.push("scan");
      expect(counts.merged).toBe(250);
      expect(await store.contacts.count()).toBe(250);
      expect(parts).toBeGreaterThanOrEqual(3);
      expect(order).toEqual(["notice", "scan"]);
    } finally {
      close();
    }
  });
});
