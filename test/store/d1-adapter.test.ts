import { inArray } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConsentEvent } from "../../src/core/consent.ts";
import type { Contact } from "../../src/core/contact.ts";
import { createStore } from "../../src/store/index.ts";
import { contacts } from "../../src/store/schema.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { shippedIdentity } from "../helpers/mappings.ts";

const identity = shippedIdentity();
const ids = (n: number, prefix = "id") => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

let opened: ReturnType<typeof openSqlite>;
beforeEach(() => {
  opened = openSqlite(":memory:");
});
afterEach(() => opened.close());

describe("the D1 adapter over better-sqlite3", () => {
  it("runs a batch as one transaction: one failing statement leaves nothing written", async () => {
    const client = opened.db.$client;
    const put = client.prepare("insert into settings (key, value) values (?, ?)");
    await expect(
      client.batch([put.bind("a", "1"), put.bind("b", "2"), put.bind("a", "again")]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    expect((await client.prepare("select key from settings").all()).results).toEqual([]);

    const done = await client.batch([
      put.bind("a", "1"),
      put.bind("b", "2"),
      client.prepare("select key, value from settings order by key"),
    ]);
    expect(done.map((r) => r.meta.changes)).toEqual([1, 1, 0]);
    expect(done[2]!.results).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: "2" },
    ]);
  });

  it("keeps a store write all-or-nothing across the statements of its batch", async () => {
    const store = createStore(opened.db, identity);
    const letter = (id: string) => ({
      id,
      contactId: "c",
      system: "salesforce",
      object: "Lead",
      externalId: null,
      operation: "create" as const,
      error: { code: "X", message: "x" },
      createdAt: 1,
    });
    // 20 rows are several multi-row inserts; the duplicate id sits in the last one.
    const rows = [...ids(19, "dl").map(letter), letter("dl-0")];
    await expect(store.deadLetters.add(rows)).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await store.deadLetters.list(100)).toEqual([]);
  });

  it("refuses more than 100 bound parameters in one statement, as D1 does", async () => {
    const client = opened.db.$client;
    const sum = (n: number) =>
      client.prepare(`select ${Array(n).fill("?").join(" + ")} as total`).bind(...Array(n).fill(1));
    expect(await sum(100).first("total")).toBe(100);
    await expect(sum(101).all()).rejects.toThrow(/too many SQL variables: 101 bound parameters/);
    await expect(client.batch([sum(1), sum(101)])).rejects.toThrow(/too many SQL variables/);
    // Through drizzle, the adapter's error is the cause of drizzle's "Failed query".
    const tooMany = opened.db
      .select()
      .from(contacts)
      .where(inArray(contacts.id, ids(101)));
    await expect(tooMany).rejects.toHaveProperty(
      "cause.message",
      expect.stringMatching(/too many SQL variables/),
    );
  });

  it("answers in D1's shapes: all, run, raw, first, and D1's value conversions", async () => {
    const client = opened.db.$client;
    const put = client.prepare(
      "insert into cursors (key, value, updated_at) values (?, ?, ?) returning key",
    );
    const added = await put.bind("k", "v", true).run();
    expect(added).toMatchObject({ success: true, results: [{ key: "k" }] });
    expect(added.meta).toMatchObject({ changes: 1, last_row_id: 1, changed_db: true });
    const read = client.prepare("select key, value, updated_at from cursors where key = ?");
    expect(await read.bind("k").raw()).toEqual([["k", "v", 1]]);
    expect(await read.bind("k").first()).toEqual({ key: "k", value: "v", updated_at: 1 });
    expect(await read.bind("k").first("value")).toBe("v");
    expect(await read.bind("none").first()).toBeNull();
    const update = await client.prepare("update cursors set value = 'w'").run();
    expect(update.meta.changes).toBe(1);
    expect(() => read.bind(undefined)).toThrow(/D1_TYPE_ERROR/);
  });
});

describe("the store through the adapter", () => {
  it("stays within the parameter limit for lists far longer than it", async () => {
    const store = createStore(opened.db, identity);
    const people = ids(250, "p").map((id, i) => person(id, `p${i}@example.com`, `hs-${i}`));
    await store.contacts.save(people);
    expect(await store.contacts.count()).toBe(250);
    expect(await store.contacts.load(people.map((p) => p.id))).toHaveLength(250);
    const refs = people.map((p) => p.links[0]!);
    expect(await store.contacts.loadFor(refs, [])).toHaveLength(250);
    const keys = people.flatMap((p) => identity.contactKeys(p));
    expect(await store.contacts.loadFor([], keys)).toHaveLength(250);

    const notices = ids(250, "e").map((eventKey, i) => ({
      system: "hubspot" as const,
      object: "contact",
      externalId: `hs-${i}`,
      kind: "upsert" as const,
      eventKey,
      occurredAt: 1,
    }));
    expect(await store.inbox.enqueue(notices, 1)).toBe(250);
    expect(await store.inbox.enqueue(notices, 2)).toBe(0);
    const pending = await store.inbox.pending(1000);
    await store.inbox.complete(
      pending.map((n) => n.id),
      3,
    );
    expect(await store.inbox.countByStatus()).toEqual({ done: 250 });

    const events = ids(30, "consent").map((id, i) => consent(id, i));
    expect(await store.consent.add("p-0", events, 1)).toBe(30);
    expect(await store.consent.add("p-0", events, 2)).toBe(0);
    expect((await store.consent.forContacts(people.map((p) => p.id))).get("p-0")).toHaveLength(30);

    await store.pushQueue.add(
      people.map((p) => p.id),
      1,
    );
    expect(await store.pushQueue.size()).toBe(250);
    await store.pushQueue.remove(people.map((p) => p.id));
    expect(await store.pushQueue.size()).toBe(0);

    expect(await store.duplicates.pendingAmong(people.map((p) => p.id))).toEqual(new Set());
    expect(await store.erasures.tombstoned(ids(250, "hash"))).toEqual(new Set());
  });

  it("round-trips people: save with links and keys, load, merge and unmerge", async () => {
    const store = createStore(opened.db, identity);
    const winner = person("w", "ada@example.com", "hs-1");
    const loser: Contact = {
      ...person("l", "ada.l@example.com", "hs-2"),
      links: [
        {
          system: "salesforce",
          object: "Lead",
          externalId: "00Q1",
          observed: { email: { value: "ada.l@example.com", at: 2 } },
          consent: { "email/newsletter": "opted_out" },
          lastSyncedAt: 5,
        },
      ],
    };
    await store.contacts.save([winner, loser]);
    expect(await store.contacts.get("w")).toEqual(winner);
    expect(await store.contacts.loadFor([loser.links[0]!], [])).toEqual([loser]);
    expect(await store.contacts.byEmail("ADA@example.com")).toEqual([winner]);

    await store.consent.add("l", [consent("c-l1", 1), consent("c-l2", 2)], 3);
    await store.consent.add("w", [consent("c-w1", 3)], 3);
    const engagement = {
      key: "hubspot:open:1",
      contactId: "l",
      system: "hubspot",
      type: "email_open",
      occurredAt: 4,
      title: null,
      detail: {},
    };
    expect(await store.engagement.add([engagement])).toBe(1);

    const merged: Contact = { ...winner, links: [...winner.links, ...loser.links], updatedAt: 9 };
    const history = {
      id: "m1",
      winnerId: "w",
      loser,
      reason: "test",
      evidence: null,
      createdAt: 10,
    };
    await store.contacts.mergeInto(merged, loser, history);
    expect(await store.contacts.get("l")).toBeUndefined();
    expect(await store.contacts.get("w")).toEqual(merged);
    expect(await store.contacts.count()).toBe(1);
    expect(await store.contacts.byEmail("ada.l@example.com")).toEqual([merged]);
    expect((await store.consent.forContact("w")).map((e) => e.id).sort()).toEqual([
      "c-l1",
      "c-l2",
      "c-w1",
    ]);
    expect(await store.engagement.list("w", 10)).toEqual([{ ...engagement, contactId: "w" }]);
    const row = (await store.contacts.merge("m1"))!;
    expect({ ...row, moved: { ...row.moved, consent: row.moved.consent.sort() } }).toEqual({
      ...history,
      moved: { consent: ["c-l1", "c-l2"], engagement: ["hubspot:open:1"] },
      undoneAt: null,
    });

    await store.contacts.unmerge(row, winner, loser, 20);
    expect(await store.contacts.get("w")).toEqual(winner);
    expect(await store.contacts.get("l")).toEqual(loser);
    expect((await store.consent.forContact("l")).map((e) => e.id)).toEqual(["c-l1", "c-l2"]);
    expect((await store.consent.forContact("w")).map((e) => e.id)).toEqual(["c-w1"]);
    expect(await store.engagement.list("l", 10)).toEqual([engagement]);
    expect((await store.contacts.merge("m1"))?.undoneAt).toBe(20);

    // A merge that fails part-way (its history id is taken) changes nothing.
    await expect(store.contacts.mergeInto(merged, loser, history)).rejects.toThrow(/UNIQUE/);
    expect(await store.contacts.get("l")).toEqual(loser);
    expect(await store.consent.forContact("l")).toHaveLength(2);
  });
});

function person(id: string, email: string, hubspotId: string): Contact {
  return {
    id,
    golden: {
      email: { value: email, system: "hubspot", at: 1 },
      lastName: { value: "Lovelace", system: "hubspot", at: 1 },
    },
    links: [
      {
        system: "hubspot",
        object: "contact",
        externalId: hubspotId,
        observed: { email: { value: email, at: 1 }, lastName: { value: "Lovelace", at: 1 } },
        lastSyncedAt: null,
      },
    ],
    createdAt: 1,
    updatedAt: 1,
    score: null,
  };
}

function consent(id: string, occurredAt: number): ConsentEvent {
  return {
    id,
    channel: "email",
    purpose: "newsletter",
    state: "opted_out",
    explicit: true,
    source: "hubspot",
    occurredAt,
    evidence: { kind: "form" },
  };
}
