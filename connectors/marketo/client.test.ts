import { afterEach, describe, expect, it } from "vitest";
import {
  createMarketoConnector,
  type MarketoConnectorConfig,
  MarketoQuotaError,
  nextCentralMidnight,
} from "./index.ts";
import {
  type MarketoSandboxOptions,
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "./sandbox/index.ts";

let sandbox: RunningMarketoSandbox;
let running: RunningMarketoSandbox | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const FAST_RETRY = { attempts: 6, baseMs: 20, maxMs: 200 };
const TOKEN_PATH = "/identity/oauth/token";

async function start(options: MarketoSandboxOptions = {}) {
  sandbox = await startMarketoSandbox({ port: 0, ...options });
  running = sandbox;
  return sandbox;
}

const connector = (overrides: Partial<MarketoConnectorConfig> = {}) =>
  createMarketoConnector({
    baseUrl: sandbox.baseUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    retry: FAST_RETRY,
    ...overrides,
  });

const paths = () => sandbox.requests().map((r) => `${r.path.split("?")[0]} ${r.code ?? "ok"}`);
const restCalls = () => sandbox.requests().filter((r) => r.path.startsWith("/rest/"));

describe("access token", () => {
  it("is fetched lazily once and shared by concurrent calls", async () => {
    await start();
    const lead = sandbox.createLead({ email: "a@example.com" });
    const c = connector();
    expect(sandbox.requests()).toHaveLength(0);
    await Promise.all([c.fetchByIds("lead", [String(lead.id)]), c.findByEmails(["a@example.com"])]);
    expect(sandbox.requests().filter((r) => r.path.startsWith(TOKEN_PATH))).toHaveLength(1);
  });

  it("is renewed once on 602 (expired) and the call repeated", async () => {
    await start();
    const lead = sandbox.createLead({ email: "a@example.com" });
    const c = connector();
    await c.fetchByIds("lead", [String(lead.id)]);
    sandbox.expireTokens();
    sandbox.clearRequests();
    const [record] = await c.fetchByIds("lead", [String(lead.id)]);
    expect(record?.externalId).toBe(String(lead.id));
    expect(paths()).toEqual([
      "/rest/v1/leads.json 602",
      `${TOKEN_PATH} ok`,
      "/rest/v1/leads.json ok",
    ]);
  });

  it("is renewed once on 601 (invalid) and the call repeated", async () => {
    await start();
    const c = connector();
    await c.findByEmails(["x@example.com"]);
    sandbox.invalidateTokens();
    sandbox.clearRequests();
    await c.findByEmails(["x@example.com"]);
    expect(paths()).toEqual([
      "/rest/v1/leads.json 601",
      `${TOKEN_PATH} ok`,
      "/rest/v1/leads.json ok",
    ]);
  });

  it("expires on schedule: a token that ran out is replaced before use, without a 602", async () => {
    // expires_in is whole seconds rounded down, as Marketo's (a fresh 3,600 s token says 3599).
    await start({ tokenTtlSeconds: 2 });
    const c = connector({ tokenRefreshMarginSeconds: 0 });
    await c.findByEmails(["x@example.com"]);
    await new Promise((r) => setTimeout(r, 2100));
    await c.findByEmails(["x@example.com"]);
    expect(paths().filter((p) => p.startsWith(TOKEN_PATH))).toHaveLength(2);
    expect(paths().filter((p) => /60[12]/.test(p))).toEqual([]);
  });

  it("near expiry asks once, gets the same token back, and keeps using it", async () => {
    await start({ tokenTtlSeconds: 30 });
    const c = connector({ tokenRefreshMarginSeconds: 60 });
    for (let i = 0; i < 3; i++) await c.findByEmails(["x@example.com"]);
    // First ask, then one re-ask inside the margin answered with the same token; no more.
    expect(paths().filter((p) => p.startsWith(TOKEN_PATH))).toHaveLength(2);
  });

  it("a second refusal after renewing surfaces instead of looping", async () => {
    await start();
    const c = connector();
    sandbox.injectFault({ code: "601", times: 2, pathPrefix: "/rest/" });
    await expect(c.findByEmails(["x@example.com"])).rejects.toMatchObject({ code: "601" });
    expect(restCalls()).toHaveLength(2);
  });

  it("bad credentials fail without retries and without the secret in the message", async () => {
    await start();
    const c = connector({ clientSecret: "definitely-wrong-secret" });
    const error = await c.findByEmails(["x@example.com"]).catch((e: Error) => e);
    expect(error).toMatchObject({ code: "unauthorized", httpStatus: 401 });
    expect(String((error as Error).message)).not.toContain("definitely-wrong-secret");
    expect(sandbox.requests()).toHaveLength(1);
  });
});

describe("limits", () => {
  // As in production (90 of Marketo's 100), the connector keeps a margin: a slot is counted
  // when taken, Marketo counts when the call arrives, a few ms later (more for a new socket).
  it("stays within the rolling window and the calls in flight it is given", async () => {
    await start({ rateLimit: { requests: 10, perMs: 1000 }, concurrency: 3, latencyMs: 20 });
    const c = connector({ rateLimit: { requests: 10, perMs: 1100, concurrency: 3 } });
    await Promise.all(Array.from({ length: 25 }, (_, i) => c.findByEmails([`p${i}@example.com`])));
    expect(restCalls()).toHaveLength(25);
    expect(restCalls().filter((r) => r.code)).toEqual([]);
    expect(sandbox.maxCallsInWindow(1000)).toBeLessThanOrEqual(10);
    expect(sandbox.maxInFlight()).toBeLessThanOrEqual(3);
  });

  it("retries 606 when another client shares the window, never sending more than the limit", async () => {
    await start({ rateLimit: { requests: 10, perMs: 1000 } });
    // Someone else's integration already used most of this window.
    const other = connector();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => other.findByEmails([`o${i}@example.com`])),
    );
    sandbox.clearRequests();
    const c = connector({
      rateLimit: { requests: 10, perMs: 1100, concurrency: 5 },
      retry: { attempts: 8, baseMs: 200, maxMs: 1000 },
    });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => c.findByEmails([`p${i}@example.com`])),
    );
    expect(results).toHaveLength(12);
    const calls = restCalls();
    expect(calls.some((r) => r.code === "606")).toBe(true);
    expect(calls.filter((r) => !r.code)).toHaveLength(12);
    expect(sandbox.maxCallsInWindow(1000)).toBeLessThanOrEqual(10);
  });

  it("retries 615 (too many calls in flight) until every call succeeds", async () => {
    await start({ concurrency: 2, latencyMs: 60 });
    const c = connector({ rateLimit: { requests: 100, perMs: 1000, concurrency: 5 } });
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.findByEmails([`p${i}@example.com`])));
    const calls = restCalls();
    expect(calls.some((r) => r.code === "615")).toBe(true);
    expect(calls.filter((r) => !r.code)).toHaveLength(8);
  });

  it("retries 604, 608 and HTTP 503 with back-off", async () => {
    await start();
    sandbox.injectFault({ code: "604" });
    sandbox.injectFault({ code: "608" });
    sandbox.injectFault({ httpStatus: 503 });
    await connector().findByEmails(["x@example.com"]);
    expect(restCalls().map((r) => r.code ?? r.status)).toEqual(["604", "608", 503, 200]);
  });

  it("surfaces 607 without retrying, and fails fast until midnight US Central", async () => {
    await start({ dailyQuota: 1 });
    const c = connector();
    await c.findByEmails(["a@example.com"]);
    const error = await c.findByEmails(["b@example.com"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MarketoQuotaError);
    expect(error).toMatchObject({ code: "607", resetAt: nextCentralMidnight(Date.now()) });
    expect(restCalls().map((r) => r.code ?? "ok")).toEqual(["ok", "607"]);
    const [result] = await c.write([
      { ref: "r1", object: "lead", fields: { email: "c@example.com" } },
    ]);
    expect(result).toMatchObject({ ok: false, error: { code: "607", retryable: true } });
    expect(restCalls()).toHaveLength(2);
    expect(c.client.quotaBlockedUntil()).toBe((error as MarketoQuotaError).resetAt);
  });
});

describe("nextCentralMidnight", () => {
  it("is 05:00 UTC in summer and 06:00 UTC in winter, across DST switches", () => {
    const at = (iso: string) => new Date(nextCentralMidnight(Date.parse(iso))).toISOString();
    expect(at("2026-07-01T04:59:59Z")).toBe("2026-07-01T05:00:00.000Z");
    expect(at("2026-07-01T05:00:00Z")).toBe("2026-07-02T05:00:00.000Z");
    expect(at("2026-12-31T23:00:00Z")).toBe("2027-01-01T06:00:00.000Z");
    expect(at("2026-03-08T03:00:00Z")).toBe("2026-03-08T06:00:00.000Z");
    expect(at("2026-03-08T12:00:00Z")).toBe("2026-03-09T05:00:00.000Z");
    expect(at("2026-11-01T12:00:00Z")).toBe("2026-11-02T06:00:00.000Z");
  });
});
