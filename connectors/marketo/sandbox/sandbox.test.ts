// biome-ignore-all lint/suspicious/noExplicitAny: tests read loosely typed JSON bodies
import { afterEach, describe, expect, it } from "vitest";
import { startTestReceiver } from "../../hubspot/sandbox/test-receiver.ts";
import { MARKETO_WEBHOOK_SECRET_HEADER } from "../webhooks.ts";
import {
  type MarketoSandboxOptions,
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "./index.ts";

let sandbox: RunningMarketoSandbox;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(options: MarketoSandboxOptions = {}) {
  sandbox = await startMarketoSandbox({ port: 0, ...options });
  closers.push(() => sandbox.close());
  return sandbox;
}

async function token(): Promise<string> {
  const url = `${sandbox.baseUrl}/identity/oauth/token?grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=${sandbox.clientSecret}`;
  return ((await (await fetch(url)).json()) as any).access_token;
}

async function api(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetch(`${sandbox.baseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${init.token ?? (await token())}`,
      "content-type": "application/json",
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? (JSON.parse(text) as any) : text };
}

describe("identity", () => {
  it("issues a bearer token and gives the same one back while it is valid", async () => {
    await start();
    const url = `${sandbox.baseUrl}/identity/oauth/token?grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=${sandbox.clientSecret}`;
    const first = (await (await fetch(url)).json()) as any;
    expect(first.token_type).toBe("bearer");
    expect(first.expires_in).toBeGreaterThanOrEqual(3599);
    expect(typeof first.scope).toBe("string");
    const second = (await (await fetch(url, { method: "POST" })).json()) as any;
    expect(second.access_token).toBe(first.access_token);
    expect(sandbox.requests()[0]!.path).toContain("client_secret=REDACTED");
  });

  it("refuses bad credentials with HTTP 401 {error, error_description}", async () => {
    await start();
    const res = await fetch(
      `${sandbox.baseUrl}/identity/oauth/token?grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=wrong`,
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: "unauthorized",
      error_description: "Bad client credentials",
    });
  });

  it("answers 601 for an unknown token and 602 for an expired one, as HTTP 200", async () => {
    await start({ tokenTtlSeconds: 1 });
    const invalid = await api("/rest/v1/leads/describe.json", { token: "nope" });
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({ success: false, errors: [{ code: "601" }] });
    const t = await token();
    sandbox.expireTokens();
    const expired = await api("/rest/v1/leads/describe.json", { token: t });
    expect(expired.body.errors).toEqual([{ code: "602", message: "Access token expired" }]);
    expect(await token()).not.toBe(t);
  });
});

describe("leads", () => {
  it("syncs per record in input order with Marketo's reason codes", async () => {
    await start();
    sandbox.createLead({ email: "dup@example.com" });
    sandbox.createLead({ email: "DUP@example.com" }, { allowDuplicate: true });
    const existing = sandbox.createLead({ email: "ann@example.com", firstName: "Ann" });
    const res = await api("/rest/v1/leads.json", {
      method: "POST",
      body: {
        action: "createOrUpdate",
        lookupField: "email",
        input: [
          { email: "ANN@example.com", firstName: "Anne" },
          { email: "new@example.com" },
          { email: "x@example.com", favouriteColour: "blue" },
          { email: "y@example.com", unsubscribed: "maybe" },
          { email: "dup@example.com" },
          { firstName: "no email" },
        ],
      },
    });
    expect(res.body.success).toBe(true);
    expect(res.body.result).toEqual([
      { id: existing.id, status: "updated" },
      { id: expect.any(Number), status: "created" },
      {
        status: "skipped",
        reasons: [{ code: "1006", message: "Field 'favouriteColour' not found" }],
      },
      {
        status: "skipped",
        reasons: [{ code: "1003", message: expect.stringContaining("unsubscribed") }],
      },
      {
        status: "skipped",
        reasons: [{ code: "1007", message: "Multiple lead match lookup criteria" }],
      },
      { status: "skipped", reasons: [{ code: "1003", message: expect.any(String) }] },
    ]);
    const only = await api("/rest/v1/leads.json", {
      method: "POST",
      body: { action: "createOnly", input: [{ email: "ann@example.com" }] },
    });
    expect(only.body.result[0].reasons[0].code).toBe("1005");
    const update = await api("/rest/v1/leads.json", {
      method: "POST",
      body: { action: "updateOnly", lookupField: "id", input: [{ id: 999, firstName: "x" }] },
    });
    expect(update.body.result[0]).toEqual({
      status: "skipped",
      reasons: [{ code: "1004", message: "Lead not found" }],
    });
  });

  it("moves updatedAt and logs activities only on real changes", async () => {
    await start();
    const lead = sandbox.createLead({ email: "a@example.com", firstName: "A" });
    const before = sandbox.getLead(lead.id)!.updatedAt;
    await new Promise((r) => setTimeout(r, 1100));
    const same = await api("/rest/v1/leads.json", {
      method: "POST",
      body: { action: "updateOnly", lookupField: "id", input: [{ id: lead.id, firstName: "A" }] },
    });
    expect(same.body.result[0]).toEqual({ id: lead.id, status: "updated" });
    expect(sandbox.getLead(lead.id)!.updatedAt).toBe(before);
    sandbox.updateLead(lead.id, { firstName: "B" });
    expect(sandbox.getLead(lead.id)!.updatedAt).not.toBe(before);
  });

  it("reads by id or email (case-insensitive), also as POST ?_method=GET; long URLs get 414", async () => {
    await start();
    const lead = sandbox.createLead({ email: "Mixed@Example.com", lastName: "M" });
    const byEmail = await api(
      "/rest/v1/leads.json?filterType=email&filterValues=mixed@example.com&fields=email,lastName,tsunaguScore",
    );
    expect(byEmail.body.result).toEqual([
      { id: lead.id, email: "Mixed@Example.com", lastName: "M", tsunaguScore: null },
    ]);
    const byId = await api(`/rest/v1/lead/${lead.id}.json`);
    expect(Object.keys(byId.body.result[0]).sort()).toEqual(
      ["createdAt", "email", "firstName", "id", "lastName", "updatedAt"].sort(),
    );
    const emails = Array.from({ length: 299 }, (_, i) => `someone.long.address.${i}@example.com`);
    const values = [...emails, "mixed@example.com"].join(",");
    const long = await api(`/rest/v1/leads.json?filterType=email&filterValues=${values}`);
    expect(long.status).toBe(414);
    const res = await fetch(`${sandbox.baseUrl}/rest/v1/leads.json?_method=GET`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await token()}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ filterType: "email", filterValues: values }).toString(),
    });
    expect(((await res.json()) as any).result.map((l: any) => l.id)).toEqual([lead.id]);
    const unknown = await api("/rest/v1/leads.json?filterType=id&filterValues=1&fields=nope");
    expect(unknown.body.errors[0].code).toBe("1006");
  });
});

describe("activities", () => {
  it("pages with moreResult true on short and empty pages until the log is drained", async () => {
    await start({ activityScanSize: 5 });
    const lead = sandbox.createLead({ email: "a@example.com" });
    for (let i = 0; i < 15; i++) sandbox.addActivity({ leadId: lead.id, type: "open_email" });
    sandbox.updateLead(lead.id, { firstName: "Z" });
    const t = await token();
    const since = encodeURIComponent(new Date(Date.now() - 60_000).toISOString());
    let next = (
      await api(`/rest/v1/activities/pagingtoken.json?sinceDatetime=${since}`, { token: t })
    ).body.nextPageToken;
    const pages: any[] = [];
    for (;;) {
      const page = (
        await api(`/rest/v1/activities.json?nextPageToken=${next}&activityTypeIds=12,13`, {
          token: t,
        })
      ).body;
      pages.push(page);
      next = page.nextPageToken;
      if (!page.moreResult) break;
    }
    expect(pages.map((p) => (p.result ?? []).length)).toEqual([1, 0, 0, 1]);
    expect(pages[1]).not.toHaveProperty("result");
    expect(pages[1].moreResult).toBe(true);
    expect(pages[3].result[0]).toMatchObject({
      leadId: lead.id,
      activityTypeId: 13,
      primaryAttributeValue: "First Name",
      attributes: expect.arrayContaining([
        { name: "New Value", value: "Z" },
        { name: "Old Value", value: null },
      ]),
    });
    const again = (
      await api(`/rest/v1/activities.json?nextPageToken=${next}&activityTypeIds=12,13`, {
        token: t,
      })
    ).body;
    expect(again).toMatchObject({ success: true, moreResult: false });
    expect(again.result).toBeUndefined();
    const types = (await api("/rest/v1/activities/types.json", { token: t })).body.result;
    expect(types.map((x: any) => x.id)).toEqual([1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 32, 37, 46]);
    const tooMany = await api(
      `/rest/v1/activities.json?nextPageToken=${next}&activityTypeIds=1,2,3,4,5,6,7,8,9,10,11`,
      { token: t },
    );
    expect(tooMany.body.errors[0].code).toBe("1003");
  });
});

describe("limits", () => {
  it("answers 606 past the rolling window, as HTTP 200, and counts the window", async () => {
    await start({ rateLimit: { requests: 3, perMs: 1000 } });
    const t = await token();
    const bodies = [];
    for (let i = 0; i < 5; i++)
      bodies.push((await api("/rest/v1/leads/describe.json", { token: t })).body);
    expect(bodies.map((b) => b.success)).toEqual([true, true, true, false, false]);
    expect(bodies[3].errors[0]).toEqual({
      code: "606",
      message: "Max rate limit '3' exceeded with in '1' secs",
    });
    expect(sandbox.maxCallsInWindow(1000)).toBe(5);
    expect(sandbox.requests().at(-1)).toMatchObject({ status: 200, code: "606" });
  });

  it("answers 615 beyond the calls in flight", async () => {
    await start({ concurrency: 2, latencyMs: 150 });
    const t = await token();
    const bodies = await Promise.all(
      Array.from({ length: 4 }, () => api("/rest/v1/leads/describe.json", { token: t })),
    );
    expect(bodies.filter((b) => b.body.errors?.[0]?.code === "615")).toHaveLength(2);
    expect(sandbox.maxInFlight()).toBeGreaterThan(2);
  });

  it("answers 607 once the daily quota is used and injects faults", async () => {
    await start({ dailyQuota: 2 });
    const t = await token();
    await api("/rest/v1/leads/describe.json", { token: t });
    await api("/rest/v1/leads/describe.json", { token: t });
    expect((await api("/rest/v1/leads/describe.json", { token: t })).body.errors[0]).toEqual({
      code: "607",
      message: "Daily quota reached",
    });
    sandbox.setDailyQuota(100, 0);
    sandbox.injectFault({ code: "608", times: 1 });
    sandbox.injectFault({ httpStatus: 503, times: 1 });
    expect((await api("/rest/v1/leads/describe.json", { token: t })).body.errors[0].code).toBe(
      "608",
    );
    expect((await api("/rest/v1/leads/describe.json", { token: t })).status).toBe(503);
    expect((await api("/rest/v1/leads/describe.json", { token: t })).body.success).toBe(true);
  });
});

describe("webhooks and admin routes", () => {
  it("calls the webhook with the shared secret header on creates and changes, not on seeds", async () => {
    const receiver = await startTestReceiver("/webhooks/marketo");
    closers.push(() => receiver.close());
    await start({
      webhookUrl: receiver.url,
      webhookSecret: "s3cret",
      seed: [{ email: "seed@example.com" }],
    });
    const lead = sandbox.createLead({ email: "w@example.com" });
    await api("/rest/v1/leads.json", {
      method: "POST",
      body: { action: "updateOnly", lookupField: "id", input: [{ id: lead.id, city: "Osaka" }] },
    });
    await sandbox.webhooksIdle();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.headers[MARKETO_WEBHOOK_SECRET_HEADER]).toBe("s3cret");
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies[0]).toMatchObject({ leadId: String(lead.id), trigger: "Person is Created" });
    expect(bodies[1]).toMatchObject({
      leadId: String(lead.id),
      changed: ["city"],
      trigger: "Data Value Changes",
    });
    expect(sandbox.webhookDeliveries().every((d) => d.ok)).toBe(true);
  });

  it("serves the admin operations over HTTP without logging them", async () => {
    await start();
    const res = await fetch(`${sandbox.baseUrl}/_sandbox/leads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fields: { email: "admin@example.com", tsunaguScore: 5 } }),
    });
    expect(res.status).toBe(201);
    const lead = (await res.json()) as any;
    expect(lead).toMatchObject({
      email: "admin@example.com",
      tsunaguScore: 5,
      unsubscribed: false,
    });
    const bad = await fetch(`${sandbox.baseUrl}/_sandbox/leads/${lead.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ nope: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(sandbox.requests()).toEqual([]);
  });
});

describe("seed", () => {
  it("accepts the shared fake people", async () => {
    const { seedPeople } = await import("../../../src/sandbox/people.ts");
    const { marketoSeed } = await import("./index.ts");
    const leads = marketoSeed(seedPeople(60));
    await start({ seed: leads });
    expect(sandbox.leadCount()).toBe(30);
    expect(sandbox.listLeads()[0]).toMatchObject({ email: leads[0]!.email, leadSource: "Website" });
  });
});
