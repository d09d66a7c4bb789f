import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector, ConsentCapable, SystemName } from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import { consentEventId } from "../../src/core/consent.ts";
import { connectorConsentOptions, consentSlots } from "../../src/core/consent-config.ts";
import { sourceFieldsToRead } from "../../src/core/mapping.ts";
import { diskFolder } from "../../src/runtime/disk-folder.ts";
import { readConsentConfig } from "../../src/runtime/load-mappings.ts";
import { createStore } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { syncConsent } from "../../src/sync/consent-sync.ts";
import { syncRecords } from "../../src/sync/pipeline.ts";
import { MAPPINGS_DIR, shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

const identity = shippedIdentity();

let hs: RunningHubspotSandbox;
beforeAll(async () => {
  hs = await startHubspotSandbox({ port: 0 });
});
afterAll(() => hs?.close());

describe("consent: an opt-out made while the hub is about to write an opt-in", () => {
  it("wins: the hub re-reads right before lifting and does not overwrite it", async () => {
    const email = "race@example.com";
    const created = hs.createContact({ email, lastname: "Race" });
    const config = readConsentConfig(diskFolder(MAPPINGS_DIR));
    const mappings = shippedMappings();
    const real = createHubspotConnector({
      accessToken: hs.accessToken,
      basePath: hs.baseUrl,
      properties: sourceFieldsToRead(mappings.get("hubspot", "contact")!),
      consent: connectorConsentOptions(config).hubspot,
    });
    let reads = 0;
    // The person unsubscribes from the newsletter in HubSpot between the hub's first read and its write.
    const racing: Connector & ConsentCapable = {
      ...real,
      readConsent: async (refs) => {
        if (++reads === 2) hs.setSubscription(email, "1002", "UNSUBSCRIBED");
        return real.readConsent(refs);
      },
    };
    const { db, close } = openSqlite(join(mkdtempSync(join(tmpdir(), "tsunagu-race-")), "hub.db"));
    const store = createStore(db, identity);
    const deps = {
      store,
      connectors: new Map<SystemName, Connector>([["hubspot", racing]]),
      mappings,
      consentSlots: consentSlots(config),
      now: Date.now,
      identity,
      newId: randomUUID,
    };
    await syncRecords(deps, await real.fetchByIds("contact", [String(created.id)]));
    const [contact] = await store.contacts.byEmail(email);
    reads = 0;
    const optIn = {
      channel: "email" as const,
      purpose: "newsletter",
      state: "opted_in" as const,
      explicit: true,
      legalBasis: "CONSENT_WITH_NOTICE" as const,
      occurredAt: Date.now() - 1000,
      evidence: { kind: "paper_form" },
    };
    await store.consent.add(
      contact!.id,
      [{ ...optIn, source: "api", id: consentEventId("api", optIn) }],
      Date.now(),
    );

    await syncConsent(deps, [contact!]);

    expect(hs.getSubscriptions(email)["1002"]?.status).toBe("UNSUBSCRIBED");
    expect(reads).toBe(2);
    close();
  });
});
