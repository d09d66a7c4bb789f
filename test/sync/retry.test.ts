import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Connector, SystemName } from "../../connectors/contract.ts";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import { createSalesforceConnector } from "../../connectors/salesforce/index.ts";
import { jsforceConnection } from "../../connectors/salesforce/jsforce-connection.ts";
import {
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { connectorConsentOptions, consentSlots } from "../../src/core/consent-config.ts";
import { sourceFieldsToRead } from "../../src/core/mapping.ts";
import { createLogger } from "../../src/logger.ts";
import { loadHubFiles } from "../../src/runtime/assemble.ts";
import { diskFolder } from "../../src/runtime/disk-folder.ts";
import type { DeadLetterRow } from "../../src/store/dead-letters.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { createMatcher } from "../../src/sync/dedupe.ts";
import { createEngine, type Engine } from "../../src/sync/engine.ts";
import { nextAttemptAt, RETRY_POLICY, retryState } from "../../src/sync/retry.ts";
import { waitFor } from "../helpers/hub.ts";
import { MAPPINGS_DIR } from "../helpers/mappings.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CREATES = { method: "POST", pathPrefix: "/services/data/v62.0/composite/sobjects" };

describe("retry policy", () => {
  it("waits about a minute, doubling to an hour, each wait jittered between half and all of it", () => {
    const t0 = 1_000_000;
    const wait = (attempts: number, random: number) =>
      nextAttemptAt(attempts, t0, t0, RETRY_POLICY, () => random)! - t0;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => wait(n, 1))).toEqual(
      [1, 2, 4, 8, 16, 32, 60, 60].map((m) => m * MINUTE),
    );
    expect(wait(1, 0)).toBe(MINUTE / 2);
    expect(wait(20, 0)).toBe(HOUR / 2);
  });

  it("gives up after 30 attempts or 24 hours after the first failure, whichever comes first", () => {
    const t0 = 1_000_000;
    expect(nextAttemptAt(29, t0, t0 + HOUR)).not.toBeNull();
    expect(nextAttemptAt(30, t0, t0 + HOUR)).toBeNull();
    expect(nextAttemptAt(5, t0, t0 + 24 * HOUR - 1)).not.toBeNull();
    expect(nextAttemptAt(5, t0, t0 + 24 * HOUR)).toBeNull();
  });
});

let hs: RunningHubspotSandbox;
let sf: RunningSalesforceSandbox;
beforeAll(async () => {
  [hs, sf] = await Promise.all([
    startHubspotSandbox({ port: 0 }),
    startSalesforceSandbox({ port: 0 }),
  ]);
});
afterAll(async () => {
  await Promise.all([hs?.close(), sf?.close()]);
});

/** An engine over the simulators with a clock the test moves (no waiting for minutes). */
function startEngine() {
  const files = loadHubFiles(diskFolder(MAPPINGS_DIR), {
    systems: ["hubspot", "salesforce"],
    salesforceTargetObject: "Lead",
  });
  const consent = connectorConsentOptions(files.consent);
  const { db, close } = openSqlite(":memory:");
  const store = createStore(db, files.identity);
  const salesforce = createSalesforceConnector({
    instanceUrl: sf.baseUrl,
    accessToken: sf.accessToken,
    connect: jsforceConnection,
    objects: ["Lead", "Contact"],
    fields: {
      Lead: sourceFieldsToRead(files.mappings.get("salesforce", "Lead")!),
      Contact: sourceFieldsToRead(files.mappings.get("salesforce", "Contact")!),
    },
    consent: consent.salesforce,
    // The connector's own retry gives up at once: the failure outlasts its back-off.
    retry: { attempts: 2, baseMs: 1, maxMs: 1 },
  });
  const hubspot = createHubspotConnector({
    accessToken: hs.accessToken,
    basePath: hs.baseUrl,
    properties: sourceFieldsToRead(files.mappings.get("hubspot", "contact")!),
    consent: consent.hubspot,
  });
  const connectors = new Map<SystemName, Connector>([
    ["hubspot", hubspot],
    ["salesforce", salesforce],
  ]);
  const clock = { at: Date.UTC(2026, 0, 5, 9) };
  const engine = createEngine({
    store,
    connectors,
    mappings: files.mappings,
    consentSlots: consentSlots(files.consent),
    engagement: files.engagement,
    identity: files.identity,
    matcher: createMatcher(),
    scoring: files.scoring,
    logger: createLogger({ silent: true }),
    now: () => clock.at,
    newId: randomUUID,
  });
  return { engine, store, salesforce, clock, close };
}

let running: { engine: Engine; close: () => void } | undefined;
afterEach(async () => {
  sf.clearFaults();
  await running?.engine.stop();
  running?.close();
  running = undefined;
});

/** A person created in HubSpot and handed to the engine as a webhook notice would be. */
async function createdInHubspot(engine: Engine, properties: Record<string, string>) {
  const created = hs.createContact(properties);
  await engine.accept([
    {
      system: "hubspot",
      object: "contact",
      externalId: String(created.id),
      kind: "upsert",
      eventKey: `create-${created.id}`,
      occurredAt: Date.now(),
    },
  ]);
  await engine.idle();
}

const lettersOf = async (store: Store) => store.deadLetters.list(100);
const onlyLetter = async (store: Store): Promise<DeadLetterRow> => {
  const letters = await lettersOf(store);
  expect(letters).toHaveLength(1);
  return letters[0]!;
};
const createPosts = () =>
  sf.requests().filter((r) => r.method === "POST" && r.path.includes("/composite/sobjects")).length;

describe("dead letters with a retryable error are retried automatically", () => {
  it("a create refused with 503 is retried on its own, with growing waits, until the Lead is in Salesforce", async () => {
    const { engine, store, salesforce, clock, close } = startEngine();
    running = { engine, close };
    // Three writes' worth of 503s (the connector tries each write twice).
    sf.injectFault({ status: 503, times: 6, ...CREATES });
    await createdInHubspot(engine, { email: "retry.me@example.com", lastname: "Retry" });

    const first = await onlyLetter(store);
    expect(first).toMatchObject({
      system: "salesforce",
      operation: "create",
      status: "open",
      retryable: true,
      attempts: 1,
    });
    expect(retryState(first)).toBe("scheduled");
    expect(first.nextAttemptAt! - clock.at).toBeGreaterThanOrEqual(MINUTE / 2);
    expect(first.nextAttemptAt! - clock.at).toBeLessThanOrEqual(MINUTE);

    engine.retryEvery(10);
    // Not due yet: nothing is retried however many ticks pass.
    const posts = createPosts();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(createPosts()).toBe(posts);
    expect((await onlyLetter(store)).attempts).toBe(1);

    // The minute passes: the hub tries again by itself, the 503 is still there.
    const waits: number[] = [];
    for (const attempts of [2, 3]) {
      const before = await onlyLetter(store);
      clock.at = before.nextAttemptAt!;
      const after = await waitFor(async () => {
        const letter = await onlyLetter(store);
        return letter.attempts === attempts && letter.nextAttemptAt !== clock.at + 10 * MINUTE
          ? letter
          : undefined;
      });
      expect(after).toMatchObject({ status: "open", retryable: true, attempts });
      waits.push(after.nextAttemptAt! - clock.at);
    }
    // Waits double: 1-2 min after the second failure, 2-4 min after the third.
    expect(waits[0]).toBeGreaterThanOrEqual(MINUTE);
    expect(waits[0]).toBeLessThanOrEqual(2 * MINUTE);
    expect(waits[1]).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(waits[1]).toBeLessThanOrEqual(4 * MINUTE);

    // The outage is over: the next try writes the person and closes the letter.
    clock.at = (await onlyLetter(store)).nextAttemptAt!;
    const done = await waitFor(async () => {
      const letter = await onlyLetter(store);
      return letter.status === "retried" ? letter : undefined;
    });
    expect(done).toMatchObject({ attempts: 3, nextAttemptAt: null });
    expect(retryState(done)).toBe("done");
    const leads = await salesforce.findByEmails(["retry.me@example.com"]);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ object: "Lead", fields: { LastName: "Retry" } });
    const contact = await store.contacts.get(done.contactId);
    expect(contact!.links.map((l) => l.system).sort()).toEqual(["hubspot", "salesforce"]);
  });

  it("a permanent error (a value Salesforce refuses) stays a dead letter: attempts 1, no next try", async () => {
    const { engine, store, salesforce, clock, close } = startEngine();
    running = { engine, close };
    await createdInHubspot(engine, {
      email: "too.long@example.com",
      lastname: "L".repeat(100),
    });
    const letter = await onlyLetter(store);
    expect(letter).toMatchObject({
      system: "salesforce",
      status: "open",
      retryable: false,
      attempts: 1,
      nextAttemptAt: null,
      error: { code: "STRING_TOO_LONG" },
    });
    expect(retryState(letter)).toBe("permanent");

    engine.retryEvery(10);
    const posts = createPosts();
    for (const later of [HOUR, 2 * 24 * HOUR]) {
      clock.at += later;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(createPosts()).toBe(posts);
    expect(await onlyLetter(store)).toEqual(letter);
    expect(await salesforce.findByEmails(["too.long@example.com"])).toEqual([]);
  });

  it("an outage that never ends: retries stop after the policy's limit and the letter stays open as exhausted", async () => {
    const { engine, store, clock, close } = startEngine();
    running = { engine, close };
    sf.injectFault({ status: 500, times: 10_000, ...CREATES });
    await createdInHubspot(engine, { email: "never.lands@example.com", lastname: "Never" });
    const firstFailedAt = clock.at;
    let letter = await onlyLetter(store);
    while (letter.nextAttemptAt !== null) {
      clock.at = letter.nextAttemptAt;
      const counts = await engine.retryDeadLetters();
      expect(counts).toMatchObject({ due: 1, retried: 0, failed: 1 });
      letter = await onlyLetter(store);
    }
    expect(letter).toMatchObject({ status: "open", retryable: true, nextAttemptAt: null });
    expect(retryState(letter)).toBe("exhausted");
    expect(letter.attempts).toBeGreaterThan(10);
    expect(letter.attempts).toBeLessThanOrEqual(RETRY_POLICY.maxAttempts);
    expect(clock.at - firstFailedAt).toBeLessThanOrEqual(RETRY_POLICY.giveUpAfterMs + HOUR);
    // Given up: later passes leave it alone.
    clock.at += 7 * 24 * HOUR;
    expect(await engine.retryDeadLetters()).toMatchObject({ due: 0 });
  });

  it("a later change that fails the same way is folded into the waiting letter, not a second one", async () => {
    const { engine, store, clock, close } = startEngine();
    running = { engine, close };
    sf.injectFault({ status: 503, times: 4, ...CREATES });
    await createdInHubspot(engine, { email: "twice@example.com", lastname: "Twice" });
    const [contact] = await store.contacts.byEmail("twice@example.com");
    const hsId = contact!.links.find((l) => l.system === "hubspot")!.externalId;
    clock.at += 1000;
    hs.updateContact(hsId, { firstname: "Twyla" });
    await engine.accept([
      {
        system: "hubspot",
        object: "contact",
        externalId: hsId,
        kind: "upsert",
        eventKey: `update-${hsId}`,
        occurredAt: Date.now(),
      },
    ]);
    await engine.idle();
    const letter = await onlyLetter(store);
    expect(letter).toMatchObject({ status: "open", retryable: true, attempts: 2 });
    expect(letter.updatedAt).toBe(clock.at);
    clock.at = letter.nextAttemptAt!;
    expect(await engine.retryDeadLetters()).toMatchObject({ due: 1, retried: 1 });
    expect((await onlyLetter(store)).status).toBe("retried");
  });
});
