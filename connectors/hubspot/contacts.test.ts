import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChangePage, SourceRecord, WriteOp } from "../contract.ts";
import { decodeCursor } from "./contacts.ts";
import { createHubspotConnector } from "./index.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./sandbox/index.ts";
import { startTestReceiver } from "./sandbox/test-receiver.ts";
import { parseHubspotWebhook, verifyHubspotSignature } from "./webhooks.ts";

const PROPERTIES = ["email", "firstname", "lastname", "city", "tsunagu_score"];
const SEARCH_PATH = "/crm/v3/objects/contacts/search";

async function collect(pages: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
  const out: ChangePage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function take(pages: AsyncIterable<ChangePage>, count: number): Promise<ChangePage[]> {
  const out: ChangePage[] = [];
  for await (const page of pages) {
    out.push(page);
    if (out.length >= count) break;
  }
  return out;
}

const idsOf = (pages: ChangePage[]) =>
  new Set(pages.flatMap((p) => p.records.map((r) => r.externalId)));

describe("pullChanges over more than 10,000 changed contacts", () => {
  const TOTAL = 10_500;
  let sandbox: RunningHubspotSandbox;

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({
      port: 0,
      // Faster than the real 5/s so the suite stays quick; the connector is told the same.
      searchPerSecond: 20,
      seed: Array.from({ length: TOTAL }, (_, i) => ({
        email: `seed${i}@example.com`,
        firstname: `F${i}`,
      })),
    });
  });
  afterAll(() => sandbox.close());

  const connector = () =>
    createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: PROPERTIES,
      searchPerSecond: 20,
    });

  it("reads every record once at least, oldest first, even when records change mid-pull", async () => {
    sandbox.clearRequests();
    const pages: ChangePage[] = [];
    let touched = false;
    for await (const page of connector().pullChanges("contact", null)) {
      pages.push(page);
      if (!touched) {
        // Records not yet read move to the end of the order: offset paging would skip one.
        sandbox.updateContact("1500", { city: "Moved" });
        sandbox.updateContact("1600", { city: "Moved" });
        touched = true;
      }
    }
    const records = pages.flatMap((p) => p.records);
    expect(idsOf(pages).size).toBe(TOTAL);
    for (let i = 1; i < records.length; i++) {
      expect(records[i]!.modifiedAt).toBeGreaterThanOrEqual(records[i - 1]!.modifiedAt);
    }
    const moved = records.filter((r) => r.fields.city === "Moved").map((r) => r.externalId);
    expect(new Set(moved)).toEqual(new Set(["1500", "1600"]));
    const searches = sandbox.requests().filter((r) => r.path === SEARCH_PATH);
    // Never a 400 from the 10,000 cap; a stray 429 under CPU load is retried, not an error.
    expect(searches.filter((r) => r.status !== 200 && r.status !== 429)).toEqual([]);
    // ~200 per page: a pull that makes far more calls than that is a bug.
    const served = searches.filter((r) => r.status === 200);
    expect(served.length).toBeLessThanOrEqual(Math.ceil(TOTAL / 199) + 2);
    expect(records[0]!.fields).toMatchObject({
      email: expect.any(String),
      lastmodifieddate: expect.any(String),
    });
  });

  it("resumes from any page's cursor without skipping a record", async () => {
    const before = await take(connector().pullChanges("contact", null, { pageSize: 150 }), 7);
    const resumed = await collect(connector().pullChanges("contact", before.at(-1)!.cursor));
    const union = new Set([...idsOf(before), ...idsOf(resumed)]);
    expect(union.size).toBe(TOTAL);
    expect(decodeCursor(before.at(-1)!.cursor)).toBe(before.at(-1)!.records.at(-1)!.modifiedAt);
  });

  it("starts at `since` and stops at `until`", async () => {
    const first = await take(connector().pullChanges("contact", null), 3);
    // Pages overlap by the boundary record (re-read, never skipped): dedupe before counting.
    const distinct = [
      ...new Map(first.flatMap((p) => p.records).map((r) => [r.externalId, r])).values(),
    ];
    const until = distinct[499]!.modifiedAt;
    const bounded = await collect(connector().pullChanges("contact", null, { until }));
    const got = bounded.flatMap((p) => p.records);
    expect(got.every((r) => r.modifiedAt <= until)).toBe(true);
    expect(new Set(got.map((r) => r.externalId)).size).toBe(500);
    const from = await take(
      connector().pullChanges("contact", null, { since: distinct[100]!.modifiedAt }),
      1,
    );
    expect(from[0]!.records[0]!.externalId).toBe(distinct[100]!.externalId);
  });
});

describe("pullChanges when a whole page shares one lastmodifieddate", () => {
  it("sweeps the tied millisecond by id instead of looping or skipping", async () => {
    const at = Date.now() - 60_000;
    const sandbox = await startHubspotSandbox({
      port: 0,
      seed: Array.from({ length: 450 }, (_, i) => ({ email: `tie${i}@example.com` })),
      seedModifiedAt: at,
    });
    try {
      sandbox.createContact({ email: "after-the-tie@example.com" });
      const pages = await collect(
        createHubspotConnector({
          accessToken: sandbox.accessToken,
          basePath: sandbox.baseUrl,
          properties: ["email"],
          searchPerSecond: 5,
        }).pullChanges("contact", null),
      );
      expect(idsOf(pages).size).toBe(451);
      expect(pages.at(-1)!.records.at(-1)!.fields.email).toBe("after-the-tie@example.com");
      expect(sandbox.requests().length).toBeLessThanOrEqual(6);
    } finally {
      await sandbox.close();
    }
  });
});

describe("reads, writes and failures", () => {
  let sandbox: RunningHubspotSandbox;
  const connector = (extra: Partial<Parameters<typeof createHubspotConnector>[0]> = {}) =>
    createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: PROPERTIES,
      retry: { baseMs: 20, maxMs: 200, attempts: 6 },
      ...extra,
    });

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({
      port: 0,
      seed: Array.from({ length: 250 }, (_, i) => ({ email: `r${i}@example.com`, city: "Sendai" })),
    });
  });
  afterAll(() => sandbox.close());

  it("fetchByIds reads 100 per call and omits missing ids", async () => {
    sandbox.clearRequests();
    const ids = Array.from({ length: 250 }, (_, i) => String(1001 + i));
    const records = await connector().fetchByIds("contact", [...ids, "999999"]);
    expect(records).toHaveLength(250);
    expect(records[0]).toMatchObject({
      system: "hubspot",
      object: "contact",
      fields: { city: "Sendai" },
    });
    expect(sandbox.requests().map((r) => r.path)).toEqual(
      Array(3).fill("/crm/v3/objects/contacts/batch/read"),
    );
  });

  it("findByEmails matches case-insensitively", async () => {
    const found = await connector().findByEmails(["R3@Example.com", "nobody@example.com"]);
    expect(found.map((r) => r.fields.email)).toEqual(["r3@example.com"]);
  });

  it("the simulator rejects a 101-input batch and the connector never sends one", async () => {
    const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/batch/update`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${sandbox.accessToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(1001 + i), properties: {} })),
      }),
    });
    expect(res.status).toBe(400);
    sandbox.clearRequests();
    const results = await connector().write(
      Array.from({ length: 201 }, (_, i) => ({
        ref: `g${i}`,
        object: "contact",
        externalId: String(1001 + i),
        fields: { tsunagu_score: String(i) },
      })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sandbox.requests().map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it("maps 207 partial failures to per-record results in input order", async () => {
    const results = await connector().write([
      { ref: "a", object: "contact", externalId: "1001", fields: { city: "Tokyo" } },
      { ref: "b", object: "contact", externalId: "888888", fields: { city: "Tokyo" } },
      { ref: "c", object: "contact", fields: { email: "R5@example.com", city: "Nagoya" } },
      { ref: "d", object: "contact", fields: { email: "new-one@example.com", lastname: "New" } },
      { ref: "e", object: "contact", fields: { firstname: "NoEmail" } },
      { ref: "f", object: "contact", fields: { firstname: "Bad", not_a_property: "x" } },
      { ref: "g", object: "Lead", fields: {} },
      { ref: "h", object: "contact", externalId: "1002", fields: { city: null } },
    ]);
    expect(results.map((r) => r.ref)).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, true, false, false, true]);
    expect(results[1]!.error).toMatchObject({ code: "OBJECT_NOT_FOUND", retryable: false });
    // Upsert by email updated the existing contact instead of creating a duplicate.
    expect(results[2]).toMatchObject({ externalId: "1006", created: false });
    expect(results[3]).toMatchObject({ created: true });
    expect(results[4]).toMatchObject({ created: true });
    expect(results[5]!.error).toMatchObject({ code: "PROPERTY_DOESNT_EXIST", retryable: false });
    expect(results[5]!.error!.fields).toEqual(["not_a_property"]);
    expect(sandbox.getContact("1006")).toMatchObject({ properties: { city: "Nagoya" } });
    // null clears the property.
    expect(
      (sandbox.getContact("1002") as { properties: Record<string, unknown> }).properties.city,
    ).toBeUndefined();
  });

  it("a whole-call failure marks every op in the call with the right retryability", async () => {
    sandbox.injectFault({
      status: 400,
      times: 1,
      pathPrefix: "/crm/v3/objects/contacts/batch/update",
    });
    const rejected = await connector().write([
      { ref: "x", object: "contact", externalId: "1003", fields: { city: "A" } },
      { ref: "y", object: "contact", externalId: "1004", fields: { city: "B" } },
    ]);
    expect(rejected.map((r) => r.error?.retryable)).toEqual([false, false]);
    sandbox.injectFault({
      status: 503,
      times: 6,
      pathPrefix: "/crm/v3/objects/contacts/batch/update",
    });
    const exhausted = await connector().write([
      { ref: "z", object: "contact", externalId: "1003", fields: { city: "C" } },
    ]);
    expect(exhausted[0]).toMatchObject({ ok: false, error: { retryable: true } });
  });

  it("retries an injected 503 and a 429 and still delivers the data", async () => {
    sandbox.clearRequests();
    sandbox.injectFault({
      status: 503,
      times: 1,
      pathPrefix: "/crm/v3/objects/contacts/batch/read",
    });
    sandbox.injectFault({
      status: 429,
      times: 1,
      pathPrefix: "/crm/v3/objects/contacts/batch/read",
    });
    const records = await connector().fetchByIds("contact", ["1010", "1011"]);
    expect(records.map((r) => r.externalId).sort()).toEqual(["1010", "1011"]);
    expect(sandbox.requests().map((r) => r.status)).toEqual([503, 429, 200]);
    sandbox.clearRequests();
    sandbox.injectFault({ status: 502, times: 1, pathPrefix: SEARCH_PATH });
    sandbox.injectFault({ status: 429, times: 1, pathPrefix: SEARCH_PATH });
    const pages = await collect(connector().pullChanges("contact", null));
    expect(idsOf(pages).size).toBe(sandbox.contactCount());
    expect(
      sandbox
        .requests()
        .slice(0, 2)
        .map((r) => r.status),
    ).toEqual([502, 429]);
  });
});

describe("calls per record", () => {
  let sandbox: RunningHubspotSandbox;
  const connector = () =>
    createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: PROPERTIES,
      retry: { baseMs: 20, maxMs: 200, attempts: 6 },
    });
  const batchCalls = () =>
    sandbox
      .requests()
      .map((r) => r.path.replace("/crm/v3/objects/contacts/batch/", ""))
      .sort();

  beforeAll(async () => {
    sandbox = await startHubspotSandbox({
      port: 0,
      seed: Array.from({ length: 300 }, (_, i) => ({ email: `c${i}@example.com` })),
    });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.clearRequests());

  it("250 updates are 3 batch calls, 250 upserts by email 3 more, creates without email their own", async () => {
    const ops: WriteOp[] = [
      ...Array.from({ length: 250 }, (_, i) => ({
        ref: `u${i}`,
        object: "contact",
        externalId: String(1001 + i),
        fields: { city: "Kobe" },
      })),
      // Half of these emails exist already: upsert updates them instead of duplicating.
      ...Array.from({ length: 250 }, (_, i) => ({
        ref: `e${i}`,
        object: "contact",
        fields: { email: `c${150 + i}@example.com`, firstname: "E" },
      })),
      ...Array.from({ length: 100 }, (_, i) => ({
        ref: `n${i}`,
        object: "contact",
        fields: { firstname: `NoEmail${i}` },
      })),
    ];
    const results = await connector().write(ops);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.created)).toHaveLength(100 + 100);
    expect(batchCalls()).toEqual([
      "create",
      ...Array(3).fill("update"),
      ...Array(3).fill("upsert"),
    ]);
  });

  it("a lookup of 500 emails is 5 batch reads of 100", async () => {
    const emails = Array.from({ length: 500 }, (_, i) => `C${i}@Example.com`);
    const found = await connector().findByEmails(emails);
    expect(found.length).toBeGreaterThanOrEqual(300);
    expect(batchCalls()).toEqual(Array(5).fill("read"));
  });
});

describe("rate limiting against a small sandbox limit", () => {
  let sandbox: RunningHubspotSandbox;
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({
      port: 0,
      rateLimit: { requests: 10, perMs: 1000 },
      seed: Array.from({ length: 30 }, (_, i) => ({ email: `b${i}@example.com` })),
    });
  });
  afterAll(() => sandbox.close());

  const burst = (rateLimit: { requests: number; perMs: number; concurrency: number }) => {
    const connector = createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: ["email"],
      rateLimit,
      retry: { baseMs: 200, maxMs: 1000, attempts: 10 },
    });
    return Promise.all(
      Array.from({ length: 25 }, (_, i) => connector.fetchByIds("contact", [String(1001 + i)])),
    );
  };

  it("keeps a burst under the limit: no 429 in the sandbox's log", async () => {
    sandbox.clearRequests();
    const results = await burst({ requests: 9, perMs: 1000, concurrency: 5 });
    expect(results.flat()).toHaveLength(25);
    const statuses = sandbox.requests().map((r) => r.status);
    expect(statuses).toHaveLength(25);
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);
  });

  it("with a limit above the sandbox's, 429s happen, are retried, and nothing is lost", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    sandbox.clearRequests();
    const results = await burst({ requests: 100, perMs: 1000, concurrency: 25 });
    expect(new Set(results.flat().map((r: SourceRecord) => r.externalId)).size).toBe(25);
    expect(sandbox.requests().filter((r) => r.status === 429).length).toBeGreaterThan(0);
  });
});

describe("webhook delivery", () => {
  it("an admin edit produces a correctly signed request at a local receiver", async () => {
    const receiver = await startTestReceiver();
    const sandbox = await startHubspotSandbox({
      port: 0,
      clientSecret: "app-secret",
      webhookUrl: receiver.url,
      webhookBatchDelayMs: 5,
      seed: [{ email: "hook@example.com", city: "Fukuoka" }],
    });
    try {
      sandbox.updateContact("1001", { city: "Sapporo" });
      await sandbox.webhooksIdle();
      expect(receiver.received).toHaveLength(1);
      const request = receiver.received[0]!;
      const verdict = await verifyHubspotSignature({
        method: request.method,
        url: receiver.url,
        rawBody: request.body,
        headers: request.headers as Record<string, string>,
        clientSecret: "app-secret",
      });
      expect(verdict).toEqual({ ok: true, version: "v3" });
      const notices = parseHubspotWebhook(request.body);
      expect(notices).toEqual([
        expect.objectContaining({
          externalId: "1001",
          kind: "upsert",
          detail: expect.objectContaining({
            propertyName: "city",
            propertyValue: "Sapporo",
            changeSource: "CRM_UI",
          }),
        }),
      ]);
      const forged = await verifyHubspotSignature({
        method: request.method,
        url: receiver.url,
        rawBody: request.body,
        headers: request.headers as Record<string, string>,
        clientSecret: "other-secret",
      });
      expect(forged.ok).toBe(false);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});
