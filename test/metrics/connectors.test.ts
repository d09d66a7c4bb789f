import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubspotConnector } from "../../connectors/hubspot/index.ts";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import { createMarketoConnector, MarketoQuotaError } from "../../connectors/marketo/index.ts";
import {
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "../../connectors/marketo/sandbox/index.ts";
import { createSalesforceConnector } from "../../connectors/salesforce/index.ts";
import {
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { testConnection } from "../../connectors/salesforce/test-org.ts";
import { apiCallCounters, createLimiter } from "../../connectors/shared/limiter.ts";
import { createMetrics, type Metrics } from "../../src/metrics/registry.ts";

/** The value of one sample line, 0 when the series does not exist. */
function value(metrics: Metrics, series: string): number {
  const line = metrics
    .exposition()
    .split("\n")
    .find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
const calls = (m: Metrics, system: string) =>
  value(m, `tsunagu_api_calls_total{system="${system}"}`);
const limited = (m: Metrics, system: string) =>
  value(m, `tsunagu_api_rate_limited_total{system="${system}"}`);

describe("limiter observer", () => {
  it("is told about every call the limiter starts, failed ones included", async () => {
    let started = 0;
    const limiter = createLimiter({ requests: 3, perMs: 50, concurrency: 2 }, undefined, {
      started: () => started++,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 7 }, (_, i) =>
        limiter.schedule(async () => {
          if (i === 3) throw new Error("boom");
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(started).toBe(7);
  });

  it("apiCallCounters: nothing without metrics, the two counters with", () => {
    expect(apiCallCounters(undefined, "hubspot")).toBeUndefined();
    const metrics = createMetrics();
    const counters = apiCallCounters(metrics, "marketo")!;
    counters.started();
    counters.started();
    counters.rateLimited();
    expect(calls(metrics, "marketo")).toBe(2);
    expect(limited(metrics, "marketo")).toBe(1);
    expect(metrics.exposition()).toContain("# TYPE tsunagu_api_rate_limited_total counter\n");
  });
});

describe("HubSpot: calls and 429s from the simulator", () => {
  let sandbox: RunningHubspotSandbox;
  beforeAll(async () => {
    sandbox = await startHubspotSandbox({
      port: 0,
      seed: [{ email: "a@example.com" }, { email: "b@example.com" }],
    });
  });
  afterAll(() => sandbox.close());

  it("counts each attempt as a call and the injected 429 as rate limited", async () => {
    const metrics = createMetrics();
    const connector = createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: ["email"],
      retry: { baseMs: 10, maxMs: 50 },
      metrics,
    });
    sandbox.clearRequests();
    sandbox.injectFault({
      status: 429,
      times: 2,
      pathPrefix: "/crm/v3/objects/contacts/batch/read",
    });
    const records = await connector.fetchByIds("contact", ["1001", "1002"]);
    expect(records).toHaveLength(2);
    const statuses = sandbox.requests().map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
    expect(calls(metrics, "hubspot")).toBe(statuses.length);
    expect(limited(metrics, "hubspot")).toBe(2);
  });

  it("a search goes through both limiters but is counted once", async () => {
    const metrics = createMetrics();
    const connector = createHubspotConnector({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      properties: ["email"],
      metrics,
    });
    sandbox.clearRequests();
    await connector.findByEmails(["a@example.com"]);
    expect(sandbox.requests().length).toBeGreaterThan(0);
    expect(calls(metrics, "hubspot")).toBe(sandbox.requests().length);
    expect(limited(metrics, "hubspot")).toBe(0);
  });
});

describe("Salesforce: REQUEST_LIMIT_EXCEEDED from the simulator", () => {
  let sandbox: RunningSalesforceSandbox;
  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());

  it("counts the concurrent limit (429, retried) and the daily limit (403, final)", async () => {
    const metrics = createMetrics();
    const connector = createSalesforceConnector({
      connect: testConnection,
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      objects: ["Lead"],
      fields: { Lead: ["LastName", "Email"] },
      retry: { attempts: 3, baseMs: 5, maxMs: 20 },
      metrics,
    });
    sandbox.clearRequests();
    sandbox.injectFault({ status: 429, times: 1 });
    await connector.findByEmails(["nobody@example.com"]);
    expect(limited(metrics, "salesforce")).toBe(1);
    sandbox.injectFault({ status: 403, times: 1 });
    await expect(connector.findByEmails(["nobody@example.com"])).rejects.toMatchObject({
      errorCode: "REQUEST_LIMIT_EXCEEDED",
    });
    expect(limited(metrics, "salesforce")).toBe(2);
    expect(calls(metrics, "salesforce")).toBe(sandbox.requests().length);
  });
});

describe("Marketo: 606 and 607 answered as HTTP 200", () => {
  let sandbox: RunningMarketoSandbox;
  beforeAll(async () => {
    sandbox = await startMarketoSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());

  it("counts REST calls (not token requests) and each rate-limit answer once", async () => {
    const metrics = createMetrics();
    const connector = createMarketoConnector({
      baseUrl: sandbox.baseUrl,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      retry: { attempts: 6, baseMs: 10, maxMs: 50 },
      metrics,
    });
    sandbox.clearRequests();
    sandbox.injectFault({ code: "606", times: 2, pathPrefix: "/rest/" });
    await connector.findByEmails(["x@example.com"]);
    const rest = () => sandbox.requests().filter((r) => r.path.startsWith("/rest/"));
    expect(rest().map((r) => r.code ?? "ok")).toEqual(["606", "606", "ok"]);
    expect(limited(metrics, "marketo")).toBe(2);
    expect(calls(metrics, "marketo")).toBe(3);

    sandbox.injectFault({ code: "607", times: 1, pathPrefix: "/rest/" });
    await expect(connector.findByEmails(["x@example.com"])).rejects.toBeInstanceOf(
      MarketoQuotaError,
    );
    // While blocked, calls fail fast: nothing sent, nothing counted.
    await expect(connector.findByEmails(["x@example.com"])).rejects.toBeInstanceOf(
      MarketoQuotaError,
    );
    expect(limited(metrics, "marketo")).toBe(3);
    expect(calls(metrics, "marketo")).toBe(rest().length);
    expect(rest()).toHaveLength(4);
  });
});
