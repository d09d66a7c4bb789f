import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ people: 24 });
  await t.api("/v1/runs", { method: "POST" });
  await t.hub.engine.idle();
  await settle(t);
});
afterAll(() => t?.close());

describe("ops API authentication", () => {
  it("rejects a missing or wrong admin token with 401 problem+json", async () => {
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Basic ${t.config.adminToken}` },
    ] as Record<string, string>[]) {
      const res = await fetch(`${t.hub.url}/v1/contacts`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { field: string }).field).toBe("authorization");
    }
  });

  it("serves health, the OpenAPI document and docs without a token", async () => {
    expect((await fetch(`${t.hub.url}/healthz`)).status).toBe(200);
    const doc = (await (await fetch(`${t.hub.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/runs",
        "/v1/backfills",
        "/v1/backfills/{id}/cancel",
        "/v1/contacts/{id}",
        "/v1/dead-letters/{id}/replay",
      ]),
    );
    expect((await fetch(`${t.hub.url}/docs`)).status).toBe(200);
  });
});

describe("bad input gets a 4xx naming the field and changes nothing", () => {
  it.each([
    [{ system: "pipedrive" }, "system"],
    [{ system: "hubspot", since: "yesterday" }, "since"],
    [{ system: "hubspot", dryRun: "yes" }, "dryRun"],
    [{}, "system"],
  ])("POST /v1/backfills %j -> 400 naming %s", async (json, field) => {
    const before = (await t.api("/v1/backfills")).body.results.length;
    const res = await t.api("/v1/backfills", { json });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.field).toBe(field);
    expect((await t.api("/v1/backfills")).body.results.length).toBe(before);
  });

  it("a body that is not JSON is a 400, not a 500", async () => {
    const res = await t.api("/v1/backfills", { method: "POST", body: "{not json" });
    expect(res.status).toBe(400);
  });

  it("query parameters are validated too", async () => {
    const res = await t.api("/v1/contacts?limit=0");
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("limit");
  });

  it("unknown ids are 404 problem+json", async () => {
    for (const path of [
      "/v1/contacts/nope",
      "/v1/runs/nope",
      "/v1/backfills/nope",
      "/v1/dead-letters/nope/replay",
    ]) {
      const res = await t.api(path, path.endsWith("replay") ? { method: "POST" } : {});
      expect(res.status).toBe(404);
      expect(res.body.title).toBe("Not Found");
    }
  });
});

describe("contacts and runs", () => {
  it("lists merged contacts with cursor pagination and no overlap", async () => {
    const first = await t.api("/v1/contacts?limit=5");
    expect(first.body.results).toHaveLength(5);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await t.api(`/v1/contacts?limit=5&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.results, ...second.body.results].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(10);
  });

  it("shows a contact with its source links and per-field provenance", async () => {
    const { results } = (await t.api("/v1/contacts?limit=50")).body;
    const contact = results.find((c: { sources: unknown[] }) => c.sources.length === 2);
    const res = await t.api(`/v1/contacts/${contact.id}`);
    expect(res.status).toBe(200);
    expect(res.body.sources.map((s: { system: string }) => s.system).sort()).toEqual([
      "hubspot",
      "salesforce",
    ]);
    expect(res.body.fieldSources.email).toMatchObject({
      system: expect.any(String),
      at: expect.any(String),
    });
  });

  it("reports a run as a job with progress counts", async () => {
    const runs = await t.api("/v1/runs");
    const run = await t.api(`/v1/runs/${runs.body.results[0].id}`);
    expect(run.body).toMatchObject({
      kind: "run",
      status: "succeeded",
      progress: { read: expect.any(Number) },
    });
    expect(run.body.progress.read).toBeGreaterThanOrEqual(24);
  });
});

describe("the sandbox can be driven with the official clients", () => {
  it("GET /v1/sandbox gives HubSpot's base URL and token; a contact made with @hubspot/api-client reaches Salesforce", async () => {
    const { body } = await t.api("/v1/sandbox");
    expect(body.salesforce).toMatchObject({
      instanceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      accessToken: expect.any(String),
    });
    const client = new Client({
      accessToken: body.hubspot.accessToken,
      basePath: body.hubspot.baseUrl,
    });
    await client.crm.contacts.basicApi.create({
      properties: { email: "sdk@example.com", lastname: "Sdk" },
      associations: [],
    });
    await waitFor(async () =>
      (await t.api("/v1/contacts?email=sdk@example.com")).body.results[0]?.sources.some(
        (s: { system: string }) => s.system === "salesforce",
      ),
    );
  });
});

describe("dead letters", () => {
  it("a write that still fails after retries is a dead letter; replay re-syncs from the current state", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    sf.injectFault({
      status: 500,
      times: 50,
      method: "POST",
      pathPrefix: "/services/data/v62.0/composite/sobjects",
    });
    t.hub.sandboxes.hubspot!.createContact({
      email: "dead.letter@example.com",
      lastname: "Letter",
    });
    const letter = await waitFor(
      async () => (await t.api("/v1/dead-letters?status=open")).body.results[0],
      30_000,
    );
    expect(letter).toMatchObject({ system: "salesforce", operation: "create", status: "open" });
    sf.clearFaults();
    const replay = await t.api(`/v1/dead-letters/${letter.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe("replayed");
    const contact = (await t.api("/v1/contacts?email=dead.letter@example.com")).body.results[0];
    expect(contact.sources.map((s: { system: string }) => s.system).sort()).toEqual([
      "hubspot",
      "salesforce",
    ]);
  });
});
