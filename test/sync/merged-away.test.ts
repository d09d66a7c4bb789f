import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector, SystemName } from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import { sourceFieldsToRead } from "../../src/core/mapping.ts";
import { createStore } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { mergePeople } from "../../src/sync/merge.ts";
import { publishPeople, syncRecords } from "../../src/sync/pipeline.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

let hs: RunningHubspotSandbox;
let dir: string;
beforeAll(async () => {
  hs = await startHubspotSandbox({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), "tsunagu-merged-away-"));
});
afterAll(async () => {
  await hs?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a record the hub merged away inside its system", () => {
  it("is not linked again by a copy read before the merge, so no write goes to it", async () => {
    const mappings = shippedMappings();
    const identity = shippedIdentity();
    const connector = createHubspotConnector({
      accessToken: hs.accessToken,
      basePath: hs.baseUrl,
      properties: sourceFieldsToRead(mappings.get("hubspot", "contact")!),
    });
    const { db, close } = openSqlite(join(dir, "hub.db"));
    try {
      const store = createStore(db, identity);
      const deps = {
        store,
        connectors: new Map<SystemName, Connector>([["hubspot", connector]]),
        mappings,
        identity,
        now: Date.now,
        newId: randomUUID,
      };
      const ids = [
        hs.createContact({ email: "mia.one@example.org", firstname: "Mia", lastname: "Stale" }),
        hs.createContact({ email: "mia.two@example.org", firstname: "Mia", lastname: "Stale" }),
      ].map((c) => String(c.id));
      await syncRecords(deps, await connector.fetchByIds("contact", ids));
      // A batch reads both records now, and is held up until after the merge.
      const stale = await connector.fetchByIds("contact", ids);
      const [a] = await store.contacts.byEmail("mia.one@example.org");
      const [b] = await store.contacts.byEmail("mia.two@example.org");
      await mergePeople(deps, a!.id, b!.id, "operator");
      const published = await publishPeople(deps, [a!.id]);
      expect(published["hubspot.merge"]).toBe(1);
      const survivor = (await store.contacts.get(a!.id))!.links.map((l) => l.externalId);
      expect(survivor).toHaveLength(1);
      expect(ids).not.toContain(survivor[0]);

      const counts = await syncRecords(deps, stale);
      expect(counts.mergedAway).toBe(2);
      expect((await store.contacts.get(a!.id))!.links.map((l) => l.externalId)).toEqual(survivor);
      expect(await store.deadLetters.list(10, "open")).toEqual([]);
    } finally {
      close();
    }
  });
});
