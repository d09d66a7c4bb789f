import { describe, expect, it } from "vitest";
import type { ChangeNotice } from "../../connectors/contract.ts";
import { MARKETO_WEBHOOK_SECRET_HEADER } from "../../connectors/marketo/webhooks.ts";
import type { ConsentConfig } from "../../src/core/consent-config.ts";
import type { ScoringRules } from "../../src/core/scoring/rules.ts";
import { createApp } from "../../src/http/app.ts";
import type { AppDeps } from "../../src/http/deps.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics, type Metrics } from "../../src/metrics/registry.ts";
import type { Store } from "../../src/store/index.ts";
import type { EngineApi } from "../../src/sync/engine.ts";

const TOKEN = "metrics-test-admin-token";
const SECRET = "marketo-webhook-secret";

function app(
  options: { metrics?: Metrics; accept?: (notices: ChangeNotice[]) => Promise<number> } = {},
) {
  const engine = {
    accept: options.accept ?? (async (notices: ChangeNotice[]) => notices.length),
  } as unknown as EngineApi;
  const deps: AppDeps = {
    store: {} as Store,
    engine,
    logger: createLogger({ silent: true }),
    now: Date.now,
    adminToken: TOKEN,
    consent: {} as ConsentConfig,
    scoring: {} as ScoringRules,
    marketo: { webhookSecret: SECRET },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  return createApp(deps, () => ["marketo"]);
}

const marketoWebhook = (secret = SECRET) =>
  new Request("http://hub.test/webhooks/marketo", {
    method: "POST",
    headers: { [MARKETO_WEBHOOK_SECRET_HEADER]: secret, "content-type": "application/json" },
    body: JSON.stringify({ leadId: "42", updatedAt: "2026-05-01T12:00:00Z", eventId: "e1" }),
  });

const countOf = (text: string, labels: string) =>
  Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`tsunagu_webhook_ack_seconds_count{${labels}} `))
      ?.split(" ")[1] ?? 0,
  );

describe("GET /metrics", () => {
  it("needs the admin token, then answers the Prometheus text format", async () => {
    const metrics = createMetrics();
    metrics.counter("tsunagu_test_total", "A test counter").inc({ system: "hubspot" });
    const hub = app({ metrics });
    const anonymous = await hub.request("/metrics");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await hub.request("/metrics", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);

    const res = await hub.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE tsunagu_test_total counter\n");
    expect(text).toContain('tsunagu_test_total{system="hubspot"} 1\n');
    expect(text).toBe(metrics.exposition());
  });

  it("answers 404 problem+json when no metrics are configured (after the token check)", async () => {
    const hub = app();
    expect((await hub.request("/metrics")).status).toBe(401);
    const res = await hub.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 404, title: "Not Found" });
  });

  it("is in the OpenAPI document as text/plain", async () => {
    const doc = (await (await app().request("/openapi.json")).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: object }> } }>;
    };
    expect(Object.keys(doc.paths["/metrics"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "text/plain",
    ]);
  });
});

describe("webhook ack latency", () => {
  it("records one histogram sample per webhook request, labelled by system and status class", async () => {
    const metrics = createMetrics();
    let fail = false;
    const hub = app({
      metrics,
      accept: async (notices) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (fail) throw new Error("store is down");
        return notices.length;
      },
    });
    for (let i = 0; i < 3; i++) expect((await hub.request(marketoWebhook())).status).toBe(200);
    expect((await hub.request(marketoWebhook("wrong"))).status).toBe(401);
    fail = true;
    expect((await hub.request(marketoWebhook())).status).toBe(500);
    // Not a webhook, and a webhook path of no known system: not recorded.
    await hub.request("/healthz");
    await hub.request("/webhooks/unknown", { method: "POST" });

    const text = metrics.exposition();
    expect(text).toContain("# TYPE tsunagu_webhook_ack_seconds histogram\n");
    expect(countOf(text, 'system="marketo",status="2xx"')).toBe(3);
    expect(countOf(text, 'system="marketo",status="4xx"')).toBe(1);
    expect(countOf(text, 'system="marketo",status="5xx"')).toBe(1);
    expect(text).not.toContain("unknown");
    // The 2xx requests each waited 30 ms in the engine: the sum says so, the 5 ms bucket is empty.
    const sum = Number(
      text
        .split("\n")
        .find((l) => l.startsWith('tsunagu_webhook_ack_seconds_sum{system="marketo",status="2xx"}'))
        ?.split(" ")[1],
    );
    expect(sum).toBeGreaterThanOrEqual(0.085);
    expect(text).toContain(
      'tsunagu_webhook_ack_seconds_bucket{system="marketo",status="2xx",le="0.005"} 0\n',
    );
    expect(text).toContain(
      'tsunagu_webhook_ack_seconds_bucket{system="marketo",status="2xx",le="+Inf"} 3\n',
    );
  });

  it("without metrics the webhooks work as before", async () => {
    expect((await app().request(marketoWebhook())).status).toBe(200);
  });
});
