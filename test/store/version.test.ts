import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import type { Contact, Link } from "../../src/core/contact.ts";
import { sourceFieldsToRead } from "../../src/core/mapping.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics, type Metrics } from "../../src/metrics/registry.ts";
import { loadHubFiles } from "../../src/runtime/assemble.ts";
import { diskFolder } from "../../src/runtime/disk-folder.ts";
import { StalePersonError } from "../../src/store/contacts.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { createEngine } from "../../src/sync/engine.ts";
import { MAPPINGS_DIR, shippedIdentity } from "../helpers/mappings.ts";

/**
 * One writer per person (issue 12), at the store: two stores over one SQLite file stand for
 * two processes (on Workers, two isolates over one D1 database). A save made from a stale
 * read is refused as a whole, and nothing of it is written.
 */
const identity = shippedIdentity();
const dirs: string[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Two stores (two connections) over one new SQLite file, and a third to look with. */
function twoProcesses(options: { holds?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tsunagu-version-"));
  dirs.push(dir);
  const open = () => {
    const { db, close } = openSqlite(join(dir, "hub.db"));
    closers.push(close);
    return createStore(db, identity, options);
  };
  return { a: open(), b: open(), look: open() };
}

const link = (system: Link["system"], object: string, externalId: string, email: string) => ({
  system,
  object,
  externalId,
  observed: { email: { value: email, at: 1 } },
  lastSyncedAt: 1,
});

function person(id: string, email: string, links: Link[]): Contact {
  return {
    id,
    golden: { email: { value: email, system: links[0]!.system, at: 1 } },
    links,
    createdAt: 1,
    updatedAt: 1,
    score: null,
  };
}

describe("a person saved by another process since it was read", () => {
  it("refuses the whole save, and nothing of it is written (the other people in it neither)", async () => {
    const { a, b, look } = twoProcesses();
    await a.contacts.save([
      person("p", "ada@example.com", [link("hubspot", "contact", "1", "ada@example.com")]),
    ]);
    const [mine] = await a.contacts.load(["p"]);
    const [theirs] = await b.contacts.load(["p"]);

    // The other process saves first: a title and a Salesforce lead.
    theirs!.golden.title = { value: "Countess", system: "salesforce", at: 2 };
    theirs!.links.push(link("salesforce", "Lead", "00Q1", "ada@example.com"));
    await b.contacts.save([theirs!]);

    // This one read the person before that save: its save, and a new person with it, is refused.
    mine!.golden.city = { value: "London", system: "hubspot", at: 3 };
    mine!.links.push(link("marketo", "lead", "7", "ada@example.com"));
    const other = person("q", "grace@example.com", [
      link("hubspot", "contact", "2", "grace@example.com"),
    ]);
    const refused = a.contacts.save([other, mine!]);
    await expect(refused).rejects.toBeInstanceOf(StalePersonError);
    await expect(refused).rejects.toThrow(/stale person/);

    const [stored] = await look.contacts.load(["p"]);
    expect(stored!.golden).toEqual(theirs!.golden);
    expect(stored!.links.map((l) => l.system).sort()).toEqual(["hubspot", "salesforce"]);
    expect(await look.contacts.get("q")).toBeUndefined();
    expect(await look.contacts.count()).toBe(1);
    expect(await look.contacts.byEmail("grace@example.com")).toEqual([]);

    // Read again, the same change saves.
    const [fresh] = await a.contacts.load(["p"]);
    fresh!.golden.city = { value: "London", system: "hubspot", at: 3 };
    await a.contacts.save([fresh!]);
    expect((await look.contacts.get("p"))!.golden.city?.value).toBe("London");
    expect((await look.contacts.get("p"))!.golden.title?.value).toBe("Countess");
  });

  it("a save that changes only a link still checks the version: another process's save in between refuses it", async () => {
    const { a, b, look } = twoProcesses();
    const p = person("p", "ada@example.com", [link("hubspot", "contact", "1", "ada@example.com")]);
    await a.contacts.save([p]);
    const [theirs] = await b.contacts.load(["p"]);
    theirs!.golden.title = { value: "Countess", system: "hubspot", at: 2 };
    await b.contacts.save([theirs!]);

    // Saved before (the row is as written), now with one more link: still refused.
    p.links.push(link("salesforce", "Lead", "00Q1", "ada@example.com"));
    await expect(a.contacts.save([p])).rejects.toBeInstanceOf(StalePersonError);
    expect((await look.contacts.get("p"))!.links).toHaveLength(1);
  });

  it("two processes making a person for one new record: the second is refused, one person stays", async () => {
    const { a, b, look } = twoProcesses();
    const record = () => [link("hubspot", "contact", "42", "new@example.com")];
    await a.contacts.save([person("from-a", "new@example.com", record())]);
    await expect(
      b.contacts.save([person("from-b", "new@example.com", record())]),
    ).rejects.toBeInstanceOf(StalePersonError);

    expect(await look.contacts.count()).toBe(1);
    const [only] = await look.contacts.loadFor(
      [{ system: "hubspot", object: "contact", externalId: "42" }],
      [],
    );
    expect(only!.id).toBe("from-a");
  });

  it("a person merged away since it was read is not brought back by a save", async () => {
    const { a, b, look } = twoProcesses();
    await a.contacts.save([
      person("w", "ada@example.com", [link("hubspot", "contact", "1", "ada@example.com")]),
      person("l", "ada@example.com", [link("salesforce", "Lead", "00Q1", "ada@example.com")]),
    ]);
    const [stale] = await a.contacts.load(["l"]);
    const [winner, loser] = [await b.contacts.get("w"), await b.contacts.get("l")];
    const merged = { ...winner!, links: [...winner!.links, ...loser!.links], updatedAt: 2 };
    await b.contacts.mergeInto(merged, loser!, {
      id: "m1",
      winnerId: "w",
      loser: loser!,
      reason: "test",
      evidence: null,
      createdAt: 2,
    });

    stale!.golden.city = { value: "London", system: "salesforce", at: 3 };
    await expect(a.contacts.save([stale!])).rejects.toBeInstanceOf(StalePersonError);
    expect(await look.contacts.get("l")).toBeUndefined();
    expect((await look.contacts.get("w"))!.links).toHaveLength(2);
  });

  it("a merge whose loser another process saved since it was read is refused as a whole", async () => {
    const { a, b, look } = twoProcesses();
    await a.contacts.save([
      person("w", "ada@example.com", [link("hubspot", "contact", "1", "ada@example.com")]),
      person("l", "ada@example.com", [link("salesforce", "Lead", "00Q1", "ada@example.com")]),
    ]);
    const [winner, loser] = [await a.contacts.get("w"), await a.contacts.get("l")];
    const [theirs] = await b.contacts.load(["l"]);
    theirs!.links.push(link("marketo", "lead", "7", "ada@example.com"));
    await b.contacts.save([theirs!]);

    const merged = { ...winner!, links: [...winner!.links, ...loser!.links], updatedAt: 2 };
    const history = {
      id: "m1",
      winnerId: "w",
      loser: loser!,
      reason: "test",
      evidence: null,
      createdAt: 2,
    };
    await expect(a.contacts.mergeInto(merged, loser!, history)).rejects.toBeInstanceOf(
      StalePersonError,
    );
    expect((await look.contacts.get("l"))!.links).toHaveLength(2);
    expect((await look.contacts.get("w"))!.links).toHaveLength(1);
    expect(await look.contacts.merge("m1")).toBeUndefined();
  });
});

describe("a batch holding the people it saved (holds: the Workers store)", () => {
  it("refuses another batch's save of a person it read while held, until the holder releases them", async () => {
    const { a, b, look } = twoProcesses({ holds: true });
    await a.contacts.save([
      person("p", "ada@example.com", [link("hubspot", "contact", "1", "ada@example.com")]),
    ]);
    const holder = a.contacts.writer();
    const [held] = await holder.load(["p"]);
    held!.golden.title = { value: "Countess", system: "hubspot", at: 2 };
    await holder.save([held!]);

    // Another batch reads the person while the holder may still be writing them out.
    const other = b.contacts.writer();
    const [meanwhile] = await other.load(["p"]);
    expect(meanwhile!.golden.title?.value).toBe("Countess");
    meanwhile!.links.push(link("salesforce", "Lead", "00Q1", "ada@example.com"));
    const refused = other.save([meanwhile!]);
    await expect(refused).rejects.toBeInstanceOf(StalePersonError);
    expect((await refused.then(undefined, (e: StalePersonError) => e))?.heldUntil).toBeGreaterThan(
      Date.now(),
    );

    // The holder saves again (its own hold), then ends: the person is free.
    held!.links.push(link("marketo", "lead", "7", "ada@example.com"));
    await holder.save([held!]);
    await holder.release();
    await other.release();
    const next = b.contacts.writer();
    const [after] = await next.load(["p"]);
    after!.links.push(link("salesforce", "Lead", "00Q1", "ada@example.com"));
    await next.save([after!]);
    await next.release();
    expect((await look.contacts.get("p"))!.links.map((l) => l.system).sort()).toEqual([
      "hubspot",
      "marketo",
      "salesforce",
    ]);
  });
});

describe("two engines at one new person at once (two processes over one SQLite file)", () => {
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

  function engineOver(store: Store, metrics: Metrics) {
    const files = loadHubFiles(diskFolder(MAPPINGS_DIR), {
      systems: ["hubspot", "salesforce"],
      salesforceTargetObject: "Lead",
    });
    const connectors = new Map<SystemName, Connector>([
      [
        "hubspot",
        createHubspotConnector({
          accessToken: hs.accessToken,
          basePath: hs.baseUrl,
          properties: sourceFieldsToRead(files.mappings.get("hubspot", "contact")!),
        }),
      ],
      [
        "salesforce",
        createSalesforceConnector({
          instanceUrl: sf.baseUrl,
          accessToken: sf.accessToken,
          connect: jsforceConnection,
          objects: ["Lead", "Contact"],
          fields: {
            Lead: sourceFieldsToRead(files.mappings.get("salesforce", "Lead")!),
            Contact: sourceFieldsToRead(files.mappings.get("salesforce", "Contact")!),
          },
        }),
      ],
    ]);
    return createEngine({
      store,
      connectors,
      mappings: files.mappings,
      identity: files.identity,
      logger: createLogger({ silent: true }),
      metrics,
      now: Date.now,
      newId: randomUUID,
    });
  }

  it("both process each notice, and each new HubSpot contact leaves one person and one Salesforce lead", async () => {
    const { a, b, look } = twoProcesses({ holds: true });
    const metrics = createMetrics();
    const [one, two] = [engineOver(a, metrics), engineOver(b, metrics)];
    const emails: string[] = [];
    for (let round = 0; round < 4; round++) {
      const notices = Array.from({ length: 5 }, (_, i) => {
        const email = `race.${round}.${i}@example.com`;
        emails.push(email);
        const created = hs.createContact({ email, lastname: `Race${round}${i}` });
        return {
          system: "hubspot",
          object: "contact",
          externalId: String(created.id),
          kind: "creation",
        };
      });
      await Promise.all([one.processNotices(notices), two.processNotices(notices)]);
    }

    expect(await look.contacts.count()).toBe(emails.length);
    for (const email of emails) {
      const people = await look.contacts.byEmail(email);
      expect(people, email).toHaveLength(1);
      expect(people[0]!.links.map((l) => l.system).sort(), email).toEqual([
        "hubspot",
        "salesforce",
      ]);
    }
    const query = encodeURIComponent("SELECT Email FROM Lead");
    const leads = (await (
      await fetch(`${sf.baseUrl}/services/data/v62.0/query?q=${query}`, {
        headers: { authorization: `Bearer ${sf.accessToken}` },
      })
    ).json()) as { records: { Email: string }[] };
    expect(leads.records.map((r) => r.Email.toLowerCase()).sort()).toEqual(emails.sort());
    expect(hs.contactCount()).toBe(emails.length);
    // The engines did race: batches lost to the other and were run again from fresh state.
    const races = /^tsunagu_person_races_total\{lane="fast"\} (\d+)$/m.exec(metrics.exposition());
    expect(Number(races?.[1] ?? 0)).toBeGreaterThan(0);
  });
});
