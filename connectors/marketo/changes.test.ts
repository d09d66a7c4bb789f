import { afterEach, describe, expect, it } from "vitest";
import type { ChangePage, PullOptions } from "../contract.ts";
import { decodeChangeCursor } from "./changes.ts";
import { createMarketoConnector, type MarketoConnectorConfig } from "./index.ts";
import {
  type MarketoSandboxOptions,
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "./sandbox/index.ts";

let sandbox: RunningMarketoSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: MarketoSandboxOptions = {}) {
  sandbox = await startMarketoSandbox({
    port: 0,
    rateLimit: { requests: 1000, perMs: 1000 },
    ...options,
  });
  return sandbox;
}

const connector = (s: RunningMarketoSandbox, overrides: Partial<MarketoConnectorConfig> = {}) =>
  createMarketoConnector({
    baseUrl: s.baseUrl,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    fields: ["email", "firstName", "lastName"],
    rateLimit: { requests: 900, perMs: 1000, concurrency: 5 },
    retry: { attempts: 3, baseMs: 10, maxMs: 50 },
    fullScan: { maxIdGap: 900 },
    ...overrides,
  });

async function pull(
  s: RunningMarketoSandbox,
  cursor: string | null,
  options: PullOptions = {},
  overrides: Partial<MarketoConnectorConfig> = {},
) {
  const pages: ChangePage[] = [];
  for await (const page of connector(s, overrides).pullChanges("lead", cursor, options))
    pages.push(page);
  const ids = pages.flatMap((p) => p.records.map((r) => r.externalId));
  return { pages, ids, cursor: pages.at(-1)?.cursor ?? cursor };
}

const seed = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ email: `seed${i}@example.com`, lastName: `S${i}` }));

describe("pullChanges", () => {
  it("a first read scans every lead by id, then hands over to the activity log", async () => {
    const s = await start({ seed: seed(650) });
    const first = await pull(s, null);
    expect(new Set(first.ids).size).toBe(650);
    expect(first.pages.slice(0, 3).map((p) => p.records.length)).toEqual([300, 300, 50]);
    expect(first.pages[0]!.records[0]).toMatchObject({
      system: "marketo",
      object: "lead",
      fields: { lastName: "S0" },
    });
    expect(decodeChangeCursor(first.cursor!)).toHaveProperty("token");
    const paths = s.requests().map((r) => r.path);
    const handOver = paths.findIndex((p) => p.startsWith("/rest/v1/activities/pagingtoken.json"));
    const scans = paths.slice(0, handOver).filter((p) => p.includes("filterType=id"));
    // 3 ranges with leads, then empty ranges until 900 ids past the highest lead (650).
    expect(scans).toHaveLength(6);
  });

  it("from the cursor finds leads created and changed since, and only those", async () => {
    const s = await start({ seed: seed(20) });
    const first = await pull(s, null);
    const created = s.createLead({ email: "fresh@example.com" });
    s.updateLead(3, { firstName: "Changed" });
    s.clearRequests();
    const next = await pull(s, first.cursor);
    // The scan's hand-over re-reads the activity log from a little before it started.
    const fresh = next.ids.filter((id) => Number(id) > 20 || id === "3");
    expect(new Set(fresh)).toEqual(new Set([String(created.id), "3"]));
    const third = await pull(s, next.cursor);
    expect(third.ids).toEqual([]);
    s.updateLead(created.id, { lastName: "Again" });
    const fourth = await pull(s, third.cursor);
    expect(fourth.ids).toEqual([String(created.id)]);
    expect(fourth.pages.at(-1)!.records[0]!.fields.lastName).toBe("Again");
  });

  it("does not stop at short or empty pages while moreResult is true", async () => {
    const s = await start({ activityScanSize: 10 });
    const since = Date.now() - 5000;
    const early = s.createLead({ email: "early@example.com" });
    // Lots of engagement between the two changes: pages of types 12/13 come back empty.
    for (let i = 0; i < 60; i++) s.addActivity({ leadId: early.id, type: "open_email" });
    const late = s.createLead({ email: "late@example.com" });
    const result = await pull(s, null, { since, pageSize: 50 });
    expect(result.ids).toEqual([String(early.id), String(late.id)]);
    const activityCalls = s.requests().filter((r) => r.path.startsWith("/rest/v1/activities.json"));
    expect(activityCalls.length).toBeGreaterThanOrEqual(7);
  });

  it("stops at `until` and resumes without skipping what came after", async () => {
    const s = await start();
    const since = Date.now() - 5000;
    const a = s.createLead({ email: "a@example.com" });
    const until = Date.now() + 1000;
    await new Promise((r) => setTimeout(r, 2100));
    const b = s.createLead({ email: "b@example.com" });
    const first = await pull(s, null, { since, until });
    expect(first.ids).toEqual([String(a.id)]);
    const second = await pull(s, first.cursor);
    expect(second.ids).toContain(String(b.id));
  });

  it("an interrupted read resumes after its last page without skipping", async () => {
    const s = await start();
    const since = Date.now() - 5000;
    const leads = Array.from({ length: 7 }, (_, i) => s.createLead({ email: `p${i}@example.com` }));
    const c = connector(s);
    const iterator = c.pullChanges("lead", null, { since, pageSize: 3 })[Symbol.asyncIterator]();
    const page = await iterator.next();
    await iterator.return?.();
    const firstIds = (page.value as ChangePage).records.map((r) => r.externalId);
    expect(firstIds).toEqual(leads.slice(0, 3).map((l) => String(l.id)));
    const rest = await pull(s, (page.value as ChangePage).cursor, { pageSize: 3 });
    expect(rest.ids).toEqual(leads.slice(3).map((l) => String(l.id)));
  });

  it("orders each page by updatedAt and rejects a foreign cursor", async () => {
    const s = await start();
    const since = Date.now() - 5000;
    const x = s.createLead({ email: "x@example.com" });
    await new Promise((r) => setTimeout(r, 1100));
    const y = s.createLead({ email: "y@example.com" });
    s.updateLead(x.id, { firstName: "later" });
    const result = await pull(s, null, { since });
    const stamps = result.pages.flatMap((p) => p.records.map((r) => r.modifiedAt));
    expect(stamps).toEqual([...stamps].sort((m, n) => m - n));
    expect(new Set(result.ids)).toEqual(new Set([String(x.id), String(y.id)]));
    await expect(pull(s, "sf1:2024-01-01T00:00:00.000Z")).rejects.toThrow(/Invalid Marketo cursor/);
  });
});
