import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChangeNotice,
  Connector,
  EngagementEvent,
  SourceRecord,
  SystemName,
} from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import {
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { sourceFieldsToRead } from "../../src/core/mapping.ts";
import { createLogger } from "../../src/logger.ts";
import { createStore } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { syncEngagement } from "../../src/sync/engagement-sync.ts";
import { createJobRunner } from "../../src/sync/jobs.ts";
import { publishPeople, syncRecords } from "../../src/sync/pipeline.ts";
import { rfmOfBuyers } from "../../src/sync/scoring.ts";
import { realSystemsEnv, startTestHub, waitFor } from "../helpers/hub.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

const identity = shippedIdentity();

const dir = mkdtempSync(join(tmpdir(), "tsunagu-lost-"));
let hs: RunningHubspotSandbox;
let sf: RunningSalesforceSandbox;
beforeAll(async () => {
  const seed = Array.from({ length: 450 }, (_, i) => ({
    email: `p${i}@example.com`,
    lastname: `P${i}`,
  }));
  [hs, sf] = await Promise.all([
    startHubspotSandbox({ port: 0, seed }),
    startSalesforceSandbox({ port: 0 }),
  ]);
});
afterAll(async () => {
  await Promise.all([hs?.close(), sf?.close()]);
});

describe("invariant 1: nothing lost", () => {
  it("a cursor advances only after its page is merged; a failed run resumes from the last merged page", async () => {
    const { db, close } = openSqlite(join(dir, "cursor.db"));
    const store = createStore(db, identity);
    const mappings = shippedMappings();
    const hubspot = createHubspotConnector({
      accessToken: hs.accessToken,
      basePath: hs.baseUrl,
      properties: sourceFieldsToRead(mappings.get("hubspot", "contact")!),
    });
    // Only HubSpot is connected, so merging is all that happens: no writes anywhere.
    const connectors = new Map<SystemName, Connector>([["hubspot", hubspot]]);
    const deps = {
      store,
      connectors,
      mappings,
      now: Date.now,
      identity,
      newId: randomUUID,
      logger: createLogger({ silent: true }),
      // One job page per source page of 100, so a crash falls between pages of these 200.
      pageRecords: 100,
    };
    const runnerExtras = {
      publishPeople: (ids: string[]) => publishPeople(deps, ids),
      rfmOfBuyers: () => rfmOfBuyers(store, Date.now()),
      scanDuplicates: async () => ({}),
      accept: (notices: ChangeNotice[]) => store.inbox.enqueue(notices, Date.now()),
    };
    const engagement = (events: EngagementEvent[], o: { dryRun: boolean }) =>
      syncEngagement(deps, events, o);
    let batches = 0;
    const crashing = createJobRunner({
      ...deps,
      syncEngagement: engagement,
      ...runnerExtras,
      syncBatch: async (records: SourceRecord[], o) => {
        if (++batches === 2) throw new Error("simulated crash while merging page 2");
        return syncRecords(deps, records, o);
      },
    });
    const failed = await crashing.submit("run", {});
    await crashing.idle();
    expect((await store.jobs.get(failed.id))?.status).toBe("failed");
    const cursor = await store.cursors.get("incremental:hubspot:contact");
    expect(cursor).not.toBeNull();
    expect(await store.contacts.count()).toBe(200);

    const healthy = createJobRunner({
      syncEngagement: engagement,
      ...runnerExtras,
      ...deps,
      syncBatch: (records, o) => syncRecords(deps, records, o),
    });
    await healthy.submit("run", {});
    await healthy.idle();
    expect(await store.contacts.count()).toBe(450);
    expect(await store.cursors.get("incremental:hubspot:contact")).not.toBe(cursor);
    close();
  });

  it("notices stored before a crash are processed when the hub starts again", async () => {
    const created = hs.createContact({ email: "after.crash@example.com", lastname: "Crash" });
    await hs.webhooksIdle();
    const dbPath = join(dir, "inbox.db");
    const { db, close } = openSqlite(dbPath);
    // The webhook was acknowledged (its notice is durable) and then the process died.
    await createStore(db, identity).inbox.enqueue(
      [
        {
          system: "hubspot",
          object: "contact",
          externalId: String(created.id),
          kind: "upsert",
          eventKey: "e-1",
          occurredAt: Date.now(),
        },
      ],
      Date.now(),
    );
    close();
    const t = await startTestHub({
      dbPath,
      env: realSystemsEnv(hs, sf),
    });
    try {
      const contact = await waitFor(async () => {
        const c = (await t.api("/v1/contacts?email=after.crash@example.com")).body.results[0];
        return c?.sources.length === 2 && c;
      });
      expect(contact.sources.map((s: { system: string }) => s.system).sort()).toEqual([
        "hubspot",
        "salesforce",
      ]);
    } finally {
      await t.close();
    }
  });
});
