import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personInBoth, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.close());

const scrape = async (token?: string) => {
  const response = await fetch(`${t.hub.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, text: await response.text() };
};

/** The value of the first series of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: string[] = []): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(/ (?=[^ ]+$)/);
    if (series!.split("{")[0] !== name) continue;
    if (labels.every((l) => series!.includes(l))) return Number(value);
  }
  return undefined;
}

describe("/metrics (Prometheus text) shows latency and load from both threads", () => {
  it("needs the admin token", async () => {
    expect((await scrape()).status).toBe(401);
  });

  it("after a webhook-driven sync: ack times, notice age, API calls per system, lanes and event-loop lag", async () => {
    await personInBoth(t, "metrics.person@example.com");
    // The engine's thread sends its figures every second: wait for one sent after the
    // notice was done (its age is observed once the pushes it caused have returned).
    const text = await waitFor(async () => {
      const { text } = await scrape(t.config.adminToken);
      const done =
        (sample(text, "tsunagu_notice_age_seconds_count", ['system="hubspot"']) ?? 0) > 0;
      return (
        (sample(text, "tsunagu_api_calls_total", ['system="salesforce"']) ?? 0) > 0 && done && text
      );
    });
    expect(text).toContain("# TYPE tsunagu_webhook_ack_seconds histogram");
    expect(sample(text, "tsunagu_webhook_ack_seconds_count", ['system="hubspot"'])).toBeGreaterThan(
      0,
    );
    expect(sample(text, "tsunagu_notice_age_seconds_count", ['system="hubspot"'])).toBeGreaterThan(
      0,
    );
    expect(sample(text, "tsunagu_api_calls_total", ['system="hubspot"'])).toBeGreaterThan(0);
    expect(sample(text, "tsunagu_api_rate_limited_total", ['system="salesforce"']) ?? 0).toBe(0);
    expect(sample(text, "tsunagu_queue_depth", ['lane="bulk"'])).toBeGreaterThanOrEqual(0);
    expect(
      sample(text, "tsunagu_event_loop_lag_seconds", ['thread="http"']),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sample(text, "tsunagu_event_loop_lag_seconds", ['thread="engine"']),
    ).toBeGreaterThanOrEqual(0);
    expect(text).not.toContain("metrics.person");
  });
});
