import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Contact } from "../../src/core/contact.ts";
import { createIdentity } from "../../src/core/identity.ts";
import { fitModelOf, type MatchRecord } from "../../src/core/matching/index.ts";
import { WorkingSet } from "../../src/core/resolve.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { createMatcher, type FitElsewhere, type MatcherDeps } from "../../src/sync/dedupe.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

const CAP = 100;
const shipped = shippedIdentity().config;
const identity = createIdentity({
  ...shipped,
  estimation: { ...shipped.estimation, sampleSize: CAP },
});
const rules = shippedMappings().rules;

const FIRST = ["ada", "grace", "alan", "edsger", "barbara", "donald", "frances", "ken"];
const LAST = ["lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "allen", "thompson"];

let serial = 0;
/** A person with an email of their own and a name like others'. */
function person(): Contact {
  const n = serial++;
  const value = (v: string) => ({ value: v, system: "hubspot" as const, at: 1 });
  return {
    id: randomUUID(),
    golden: {
      firstName: value(`${FIRST[n % FIRST.length]}${n}`),
      lastName: value(`${LAST[(n * 3) % LAST.length]}x${n}`),
      email: value(`person${n}@example${n % 7}.com`),
      city: value(["osaka", "kyoto", "nara"][n % 3]!),
    },
    links: [],
    createdAt: n,
    updatedAt: n,
    score: null,
  };
}

let store: Store;
let close: () => void;
beforeEach(() => {
  const opened = openSqlite(":memory:");
  store = createStore(opened.db, identity);
  close = opened.close;
});
afterEach(() => close());

const seed = (count: number) => store.contacts.save(Array.from({ length: count }, person));

const deps = (): MatcherDeps => ({
  store,
  identity,
  mappings: { rules },
  now: () => 1,
  newId: randomUUID,
});

/** Someone only an email of their own blocks with: nobody is their candidate. */
const stranger = (): Contact => ({
  ...person(),
  golden: { email: { value: `${randomUUID()}@nowhere.test`, system: "hubspot", at: 1 } },
});

/** One batch touching one new person, through the matcher. */
async function batch(matcher: ReturnType<typeof createMatcher>, contact = person()) {
  const ws = new WorkingSet([contact], randomUUID, identity);
  ws.touched.add(contact.id);
  return matcher.resolveTouched(deps(), ws, { dryRun: true });
}

describe("store.contacts.sampleIds", () => {
  it("draws n distinct stored ids at random, or every id of a smaller store", async () => {
    await seed(250);
    const stored = new Set<string>();
    for (let after: string | undefined; ; ) {
      const page = await store.contacts.list(100, after);
      if (page.length === 0) break;
      for (const c of page) stored.add(c.id);
      after = page.at(-1)!.id;
    }
    const first = await store.contacts.sampleIds(60);
    expect(first).toHaveLength(60);
    expect(new Set(first).size).toBe(60);
    for (const id of first) expect(stored.has(id)).toBe(true);
    const second = await store.contacts.sampleIds(60);
    expect(new Set([...first, ...second]).size).toBeGreaterThan(60);
    expect(new Set(await store.contacts.sampleIds(1000))).toEqual(stored);
  });
});

describe("the matcher's model", () => {
  it("is fitted on at most estimation.sampleSize stored people, read without listing the store", async () => {
    await seed(3 * CAP);
    const sampleIds = vi.spyOn(store.contacts, "sampleIds");
    const list = vi.spyOn(store.contacts, "list");
    const load = vi.spyOn(store.contacts, "load");
    const matcher = createMatcher();
    await batch(matcher, stranger());
    expect(sampleIds).toHaveBeenCalledTimes(1);
    expect(sampleIds).toHaveBeenCalledWith(CAP);
    expect(list).not.toHaveBeenCalled();
    // The stranger has no candidates: every id loaded was for the fit.
    expect(load.mock.calls.reduce((n, [ids]) => n + ids.length, 0)).toBe(CAP);
    expect(matcher.fittedOn()).toEqual({ people: CAP + 1, sampled: CAP, full: true });
  });

  it("once fitted on a full-size sample, is refitted when the store doubles or on refit()", async () => {
    await seed(CAP + 20);
    let now = 0;
    const matcher = createMatcher();
    const run = () => {
      const contact = person();
      const ws = new WorkingSet([contact], randomUUID, identity);
      ws.touched.add(contact.id);
      return matcher.resolveTouched({ ...deps(), now: () => now }, ws, { dryRun: true });
    };
    await run();
    const sampleIds = vi.spyOn(store.contacts, "sampleIds");
    await seed(CAP);
    now += 60_000;
    await run();
    expect(sampleIds).not.toHaveBeenCalled(); // 220 stored: not doubled since 120
    await seed(30);
    await run();
    expect(sampleIds).not.toHaveBeenCalled(); // doubled, but counted less than 30 s ago
    now += 60_000;
    await run();
    expect(sampleIds).toHaveBeenCalledTimes(1);
    sampleIds.mockClear();
    await seed(4 * CAP);
    await run();
    expect(sampleIds).not.toHaveBeenCalled();
    expect(matcher.fittedOn()).toEqual({ people: CAP + 1, sampled: CAP, full: true });
    matcher.refit();
    expect(sampleIds).not.toHaveBeenCalled();
    await batch(matcher);
    expect(sampleIds).toHaveBeenCalledTimes(1);
    await batch(matcher);
    expect(sampleIds).toHaveBeenCalledTimes(1);
  });

  it("below the cap, is refitted as the population grows, on everyone stored", async () => {
    await seed(40);
    const matcher = createMatcher();
    await batch(matcher);
    expect(matcher.fittedOn()).toEqual({ people: 41, sampled: 40, full: false });
    await seed(5);
    await batch(matcher);
    expect(matcher.fittedOn()).toEqual({ people: 41, sampled: 40, full: false });
    await seed(30);
    await batch(matcher);
    expect(matcher.fittedOn()).toEqual({ people: 76, sampled: 75, full: false });
    await seed(CAP);
    await batch(matcher);
    expect(matcher.fittedOn()).toEqual({ people: CAP + 1, sampled: CAP, full: true });
  });

  it("of a first import is fitted on the batch's own people", async () => {
    const matcher = createMatcher();
    const people = Array.from({ length: 30 }, person);
    const ws = new WorkingSet(people, randomUUID, identity);
    for (const p of people) ws.touched.add(p.id);
    await matcher.resolveTouched(deps(), ws, { dryRun: true });
    expect(matcher.fittedOn()).toEqual({ people: 30, sampled: 0, full: false });
  });

  it("fitted elsewhere, a population past 2,000 is refitted while batches go on with the model in use", async () => {
    const big = createIdentity({
      ...shipped,
      estimation: { ...shipped.estimation, sampleSize: 10_000 },
    });
    const opened = openSqlite(":memory:");
    const bigStore = createStore(opened.db, big);
    const save = (n: number) => bigStore.contacts.save(Array.from({ length: n }, person));
    const asked: { records: readonly MatchRecord[]; release(): void }[] = [];
    const fitElsewhere: FitElsewhere = (records, config) =>
      new Promise((resolve) =>
        asked.push({ records, release: () => resolve(fitModelOf(records, config)) }),
      );
    const matcher = createMatcher({ fitElsewhere });
    const run = () => {
      const contact = person();
      const ws = new WorkingSet([contact], randomUUID, big);
      ws.touched.add(contact.id);
      return matcher.resolveTouched({ ...deps(), store: bigStore, identity: big }, ws, {
        dryRun: true,
      });
    };
    try {
      await save(2100);
      await run(); // a first fit is waited for, made here
      expect(asked).toHaveLength(0);
      expect(matcher.fittedOn()?.people).toBe(2101);

      await save(2200);
      await run(); // does not wait for the refit it starts elsewhere
      await run(); // nor start a second one
      expect(asked).toHaveLength(1);
      expect(matcher.fittedOn()?.people).toBe(2101);
      asked[0]!.release();
      await matcher.settled();
      expect(matcher.fittedOn()).toEqual({ people: 4301, sampled: 4300, full: false });
      expect(asked[0]!.records).toHaveLength(4301);
    } finally {
      opened.close();
    }
  });
});
