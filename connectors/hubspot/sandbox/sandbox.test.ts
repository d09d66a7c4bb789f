// biome-ignore-all lint/suspicious/noExplicitAny: tests read loosely typed JSON bodies
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyHubspotSignature } from "../webhooks.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./index.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

let sandbox: RunningHubspotSandbox;
let client: Client;

/** Raw HTTP against the sandbox (for query forms and bodies the SDK does not produce). */
async function api(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token ?? sandbox.accessToken}`,
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
}

async function sdkError(promise: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; body: any };
  }
  throw new Error("expected the SDK call to fail");
}

beforeAll(async () => {
  sandbox = await startHubspotSandbox({
    port: 0,
    searchPerSecond: 100,
    rateLimit: { requests: 10_000, perMs: 10_000 },
  });
  client = new Client({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    numberOfApiCallRetries: 0,
  });
});
afterAll(() => sandbox.close());

describe("contacts API through the official SDK", () => {
  it("creates (201), reads by id and by email, updates and archives", async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: "Ann@Example.com", firstname: "Ann" },
      associations: [],
    });
    expect(created.id).toMatch(/^\d+$/);
    const byId = await client.crm.contacts.basicApi.getById(created.id, ["email", "phone"]);
    expect(byId.properties).toMatchObject({ email: "Ann@Example.com", phone: null });
    const byEmail = await client.crm.contacts.basicApi.getById(
      "ann@example.com",
      ["firstname"],
      undefined,
      undefined,
      undefined,
      "email",
    );
    expect(byEmail.id).toBe(created.id);
    const updated = await client.crm.contacts.basicApi.update(created.id, {
      properties: { lastname: "Lee" },
    });
    expect(updated.properties.lastname).toBe("Lee");
    await client.crm.contacts.basicApi.archive(created.id);
    const missing = await sdkError(client.crm.contacts.basicApi.getById(created.id));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      category: "OBJECT_NOT_FOUND",
      message: "resource not found",
    });
  });

  it("answers 404 with the HubSpot error body shape", async () => {
    const res = await api("GET", "/crm/v3/objects/contacts/999999");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      status: "error",
      message: "resource not found",
      category: "OBJECT_NOT_FOUND",
      correlationId: expect.any(String),
    });
  });

  it("rejects a missing or wrong bearer token with 401", async () => {
    const res = await api("GET", "/crm/v3/objects/contacts", undefined, "wrong");
    expect(res.status).toBe(401);
    expect(res.body.category).toBe("INVALID_AUTHENTICATION");
    const bad = new Client({ accessToken: "nope", basePath: sandbox.baseUrl });
    expect((await sdkError(bad.crm.contacts.basicApi.getPage())).code).toBe(401);
  });

  it("rejects a duplicate email (case-insensitive) with 409 naming the existing id", async () => {
    const first = await client.crm.contacts.basicApi.create({
      properties: { email: "dup@example.com" },
      associations: [],
    });
    const error = await sdkError(
      client.crm.contacts.basicApi.create({
        properties: { email: "DUP@example.com" },
        associations: [],
      }),
    );
    expect(error.code).toBe(409);
    expect(error.body.message).toBe(`Contact already exists. Existing ID: ${first.id}`);
  });

  it("rejects unknown properties with PROPERTY_DOESNT_EXIST and accepts catalog extensions", async () => {
    const res = await api("POST", "/crm/v3/objects/contacts", {
      properties: { email: "x1@example.com", favourite_colour: "red" },
    });
    expect(res.status).toBe(400);
    expect(res.body.category).toBe("VALIDATION_ERROR");
    expect(res.body.message).toContain("PROPERTY_DOESNT_EXIST");
    expect(res.body.errors[0]).toMatchObject({ code: "PROPERTY_DOESNT_EXIST" });
    const ok = await api("POST", "/crm/v3/objects/contacts", {
      properties: { email: "x2@example.com", tsunagu_score: "42", tsunagu_grade: "A" },
    });
    expect(ok.status).toBe(201);
  });

  it("keeps lastmodifieddate strictly increasing across rapid writes", async () => {
    const created = await client.crm.contacts.batchApi.create({
      inputs: Array.from({ length: 50 }, (_, i) => ({
        properties: { email: `tick${i}@example.com` },
        associations: [],
      })),
    });
    const stamps = created.results.map((r) => Date.parse(r.properties.lastmodifieddate ?? ""));
    expect(stamps.every((s) => Number.isFinite(s))).toBe(true);
    expect(new Set(stamps).size).toBe(50);
  });

  it("lists with limit/after and accepts properties repeated or comma-separated", async () => {
    const repeated = await api(
      "GET",
      "/crm/v3/objects/contacts?limit=2&properties=email&properties=city",
    );
    const comma = await api("GET", "/crm/v3/objects/contacts?limit=2&properties=email,city");
    expect(repeated.status).toBe(200);
    expect(Object.keys(repeated.body.results[0].properties).sort()).toEqual(["city", "email"]);
    expect(comma.body.results[0].properties).toEqual(repeated.body.results[0].properties);
    const next = await api(
      "GET",
      `/crm/v3/objects/contacts?limit=2&after=${repeated.body.paging.next.after}`,
    );
    expect(next.body.results[0].id).toBe(repeated.body.paging.next.after);
    expect((await api("GET", "/crm/v3/objects/contacts?limit=101")).status).toBe(400);
  });
});

describe("batch endpoints", () => {
  it("batch read answers 207 with the missing ids and supports idProperty=email", async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: "batch-read@example.com" },
      associations: [],
    });
    const res = await api("POST", "/crm/v3/objects/contacts/batch/read", {
      inputs: [{ id: created.id }, { id: "424242" }],
      properties: ["email"],
    });
    expect(res.status).toBe(207);
    expect(res.body.numErrors).toBe(1);
    expect(res.body.errors[0]).toMatchObject({
      category: "OBJECT_NOT_FOUND",
      context: { ids: ["424242"] },
    });
    const byEmail = await client.crm.contacts.batchApi.read({
      inputs: [{ id: "BATCH-READ@example.com" }],
      properties: ["email"],
      propertiesWithHistory: [],
      idProperty: "email",
    });
    expect(byEmail.results.map((r) => r.id)).toEqual([created.id]);
  });

  it("rejects more than 100 inputs with 400 VALIDATION_ERROR and writes nothing", async () => {
    const before = sandbox.contactCount();
    const res = await api("POST", "/crm/v3/objects/contacts/batch/create", {
      inputs: Array.from({ length: 101 }, (_, i) => ({
        properties: { email: `over${i}@example.com` },
      })),
    });
    expect(res.status).toBe(400);
    expect(res.body.category).toBe("VALIDATION_ERROR");
    expect(sandbox.contactCount()).toBe(before);
  });

  it("batch create is all-or-nothing without objectWriteTraceId and 207 with it", async () => {
    const before = sandbox.contactCount();
    const bad = await api("POST", "/crm/v3/objects/contacts/batch/create", {
      inputs: [{ properties: { email: "ok1@example.com" } }, { properties: { nope: "x" } }],
    });
    expect(bad.status).toBe(400);
    expect(sandbox.contactCount()).toBe(before);
    const mixed = await api("POST", "/crm/v3/objects/contacts/batch/create", {
      inputs: [
        { properties: { email: "ok2@example.com" }, objectWriteTraceId: "a" },
        { properties: { nope: "x" }, objectWriteTraceId: "b" },
      ],
    });
    expect(mixed.status).toBe(207);
    expect(mixed.body.results.map((r: any) => r.objectWriteTraceId)).toEqual(["a"]);
    expect(mixed.body.errors[0].context.objectWriteTraceId).toEqual(["b"]);
  });

  it("batch upsert by email updates existing contacts and creates new ones", async () => {
    const existing = await client.crm.contacts.basicApi.create({
      properties: { email: "up@example.com" },
      associations: [],
    });
    const res = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: "UP@example.com", idProperty: "email", properties: { city: "Kyoto" } },
        { id: "fresh@example.com", idProperty: "email", properties: { city: "Osaka" } },
      ],
    });
    // The SDK renames the wire field `new` to `_new`.
    const byId = new Map(res.results.map((r) => [r.id, r]));
    expect(byId.get(existing.id)?._new).toBe(false);
    const created = res.results.find((r) => r.id !== existing.id);
    expect(created?._new).toBe(true);
    expect(sandbox.getContact(created!.id)).toMatchObject({
      properties: { email: "fresh@example.com" },
    });
  });

  it("batch update answers 207 for missing ids and archive answers 204", async () => {
    const c = await client.crm.contacts.basicApi.create({
      properties: { email: "bu@example.com" },
      associations: [],
    });
    const res = await api("POST", "/crm/v3/objects/contacts/batch/update", {
      inputs: [
        { id: c.id, properties: { city: "Nara" } },
        { id: "777777", properties: { city: "Nara" } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.errors[0].context.ids).toEqual(["777777"]);
    await client.crm.contacts.batchApi.archive({ inputs: [{ id: c.id }] });
    expect(sandbox.getContact(c.id)).toBeUndefined();
  });
});

describe("search", () => {
  beforeAll(async () => {
    await client.crm.contacts.batchApi.create({
      inputs: ["red", "green", "blue"].map((colour, i) => ({
        properties: {
          email: `s-${colour}@search.test`,
          city: colour,
          tsunagu_score: String(i * 10),
        },
        associations: [],
      })),
    });
  });

  const search = (body: Record<string, unknown>) =>
    api("POST", "/crm/v3/objects/contacts/search", body);

  it("filters with EQ (case-insensitive), IN, BETWEEN, HAS_PROPERTY and sorts", async () => {
    const eq = await search({
      filterGroups: [{ filters: [{ propertyName: "city", operator: "EQ", value: "RED" }] }],
    });
    expect(eq.body.total).toBe(1);
    const inOp = await search({
      filterGroups: [
        { filters: [{ propertyName: "city", operator: "IN", values: ["red", "blue"] }] },
      ],
      sorts: [{ propertyName: "tsunagu_score", direction: "DESCENDING" }],
      properties: ["city"],
    });
    expect(inOp.body.results.map((r: any) => r.properties.city)).toEqual(["blue", "red"]);
    const between = await search({
      filterGroups: [
        {
          filters: [
            { propertyName: "tsunagu_score", operator: "BETWEEN", value: "5", highValue: "20" },
          ],
        },
      ],
    });
    expect(between.body.total).toBe(2);
    const has = await search({
      filterGroups: [{ filters: [{ propertyName: "tsunagu_score", operator: "HAS_PROPERTY" }] }],
    });
    expect(has.body.total).toBeGreaterThanOrEqual(3);
  });

  it("compares dates given as epoch ms or ISO and pages with after", async () => {
    const since = Date.now() - 60_000;
    const ms = await search({
      filterGroups: [
        { filters: [{ propertyName: "lastmodifieddate", operator: "GTE", value: String(since) }] },
      ],
      limit: 1,
    });
    const iso = await search({
      filterGroups: [
        {
          filters: [
            {
              propertyName: "lastmodifieddate",
              operator: "GTE",
              value: new Date(since).toISOString(),
            },
          ],
        },
      ],
      limit: 1,
    });
    expect(ms.body.total).toBe(iso.body.total);
    expect(ms.body.paging.next.after).toBe("1");
  });

  it("refuses to page past 10,000 results and limits above 200", async () => {
    expect((await search({ after: "9900", limit: 200 })).status).toBe(400);
    expect((await search({ limit: 201 })).status).toBe(400);
    expect((await search({ after: "9800", limit: 200 })).status).toBe(200);
  });

  it("rejects more filter groups than the documented maximum", async () => {
    const group = { filters: [{ propertyName: "city", operator: "EQ", value: "x" }] };
    const res = await search({ filterGroups: Array.from({ length: 7 }, () => group) });
    expect(res.status).toBe(400);
  });
});

describe("limits and faults", () => {
  it("answers 429 TEN_SECONDLY_ROLLING past the rolling window, with rate-limit headers", async () => {
    const small = await startHubspotSandbox({ port: 0, rateLimit: { requests: 3, perMs: 60_000 } });
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof fetch>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await fetch(`${small.baseUrl}/crm/v3/objects/contacts`, {
          headers: { authorization: `Bearer ${small.accessToken}` },
        });
        statuses.push(last.status);
        if (i < 4) await last.text();
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(await last!.json()).toMatchObject({
        errorType: "RATE_LIMIT",
        policyName: "TEN_SECONDLY_ROLLING",
        message: "You have reached your ten_secondly_rolling limit.",
      });
      expect(last!.headers.get("x-hubspot-ratelimit-max")).toBe("3");
      expect(last!.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");
      expect(last!.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("60000");
    } finally {
      await small.close();
    }
  });

  it("limits search separately with policy SECONDLY", async () => {
    const small = await startHubspotSandbox({ port: 0, searchPerSecond: 2 });
    try {
      const sdk = new Client({ accessToken: small.accessToken, basePath: small.baseUrl });
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => sdk.crm.contacts.searchApi.doSearch({ limit: 1 })),
      );
      const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(rejected).toHaveLength(2);
      expect(rejected[0]!.reason.code).toBe(429);
      expect(rejected[0]!.reason.body.message).toBe("You have reached your secondly limit.");
    } finally {
      await small.close();
    }
  });

  it("injects faults for the next matching calls only", async () => {
    await fetch(`${sandbox.baseUrl}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({
        status: 503,
        times: 2,
        method: "GET",
        pathPrefix: "/crm/v3/objects/contacts",
      }),
    });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await api("GET", "/crm/v3/objects/contacts?limit=1")).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it("logs API calls but not admin calls", async () => {
    sandbox.clearRequests();
    await api("GET", "/crm/v3/objects/contacts?limit=1");
    await fetch(`${sandbox.baseUrl}/_sandbox/requests`);
    const response = await fetch(`${sandbox.baseUrl}/_sandbox/requests`);
    const log = ((await response.json()) as { results: unknown[] }).results;
    expect(log).toEqual([
      {
        method: "GET",
        path: "/crm/v3/objects/contacts?limit=1",
        status: 200,
        at: expect.any(Number),
      },
    ]);
  });
});

describe("webhooks", () => {
  let receiver: TestReceiver;
  let hooked: RunningHubspotSandbox;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    hooked = await startHubspotSandbox({
      port: 0,
      clientSecret: "shh",
      webhookUrl: receiver.url,
      webhookBatchDelayMs: 10,
      webhookRetryBaseMs: 20,
    });
  });
  afterAll(async () => {
    await hooked.close();
    await receiver.close();
  });
  beforeEach(() => receiver.clear());

  const events = () => receiver.received.flatMap((r) => JSON.parse(r.body) as any[]);

  it("signs deliveries with v3 over method + full URL + body + timestamp", async () => {
    const contact = hooked.createContact({ email: "ui@example.com" });
    await hooked.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0]!;
    const verdict = await verifyHubspotSignature({
      method: request.method,
      url: receiver.url,
      rawBody: request.body,
      headers: request.headers as Record<string, string>,
      clientSecret: "shh",
    });
    expect(verdict).toEqual({ ok: true, version: "v3" });
    expect(events()).toEqual([
      expect.objectContaining({
        subscriptionType: "contact.creation",
        objectId: Number(contact.id),
        changeSource: "CRM_UI",
        attemptNumber: 0,
        portalId: hooked.portalId,
      }),
    ]);
  });

  it("sends one propertyChange per changed property, API changes marked INTEGRATION", async () => {
    const contact = hooked.createContact({ email: "pc@example.com", city: "Kobe" });
    await hooked.webhooksIdle();
    receiver.clear();
    const sdk = new Client({ accessToken: hooked.accessToken, basePath: hooked.baseUrl });
    await sdk.crm.contacts.basicApi.update(String(contact.id), {
      properties: { city: "Kobe", firstname: "Kei", lastname: "Ito" },
    });
    await hooked.webhooksIdle();
    const changes = events();
    expect(changes.map((e) => e.propertyName).sort()).toEqual(["firstname", "lastname"]);
    expect(changes.every((e) => e.changeSource === "INTEGRATION")).toBe(true);
    hooked.deleteContact(String(contact.id));
    await hooked.webhooksIdle();
    expect(events().at(-1)).toMatchObject({ subscriptionType: "contact.deletion" });
  });

  it("batches at most 100 events per request", async () => {
    const sdk = new Client({ accessToken: hooked.accessToken, basePath: hooked.baseUrl });
    for (let i = 0; i < 2; i++) {
      await sdk.crm.contacts.batchApi.create({
        inputs: Array.from({ length: 75 }, (_, j) => ({
          properties: { email: `bulk${i}-${j}@example.com` },
          associations: [],
        })),
      });
    }
    await hooked.webhooksIdle();
    expect(events()).toHaveLength(150);
    expect(
      Math.max(...receiver.received.map((r) => JSON.parse(r.body).length)),
    ).toBeLessThanOrEqual(100);
  });

  it("retries a failed delivery with attemptNumber incremented", async () => {
    receiver.failNext(500, 503);
    hooked.createContact({ email: "retry@example.com" });
    await hooked.webhooksIdle();
    const attempts = receiver.received.map((r) => JSON.parse(r.body)[0].attemptNumber);
    expect(attempts).toEqual([0, 1, 2]);
    expect(new Set(receiver.received.map((r) => JSON.parse(r.body)[0].eventId)).size).toBe(1);
  });
});
