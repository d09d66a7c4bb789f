import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startImport } from "../../src/cli/client.ts";
import { postHubspot, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

const ROWS = 20_000;
/** HubSpot counts a delivery as failed after 5 s and retries it; 2 s keeps well inside. */
const ACK_BOUND_MS = 2_000;
/**
 * A new contact must reach the other systems within 5 s (2 s is the aim: measured 1.8-2.4 s
 * here). It waits only for the job page in progress: its fetch and its writes run in the
 * fast lane, its batch does not wait for a refit, and refits past 2,000 people run in their
 * own thread. The test runs after the rest of the suite (vitest.config.ts): with another
 * test file's hub on the same 2 cores a page takes seconds and arrival took 5.5-7.8 s.
 */
const ARRIVAL_BOUND_MS = 5_000;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { TSUNAGU_SYSTEMS: "hubspot,salesforce,marketo" } });
});
afterAll(async () => t?.close());

/** FEBRL-shaped rows of distinct people (no email: the import's work is the hub's own). */
function febrlCsv(file: string, rows: number) {
  const lines = [
    "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id",
  ];
  for (let i = 1; i <= rows; i++) {
    const day = String((i % 28) + 1).padStart(2, "0");
    const month = String((i % 12) + 1).padStart(2, "0");
    lines.push(
      [
        `rec-${i}-org`,
        `given${i % 997}`,
        `surname${i}`,
        i % 400,
        `street ${i % 1301}`,
        "",
        `suburb${i % 211}`,
        String(2000 + (i % 7000)),
        "nsw",
        `19${50 + (i % 50)}${month}${day}`,
        1_000_000 + i,
      ].join(", "),
    );
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

async function signedWebhook(objectId: number, eventId: number) {
  const body = JSON.stringify([
    {
      eventId,
      subscriptionId: 100,
      portalId: 1,
      appId: 1,
      occurredAt: Date.now(),
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId,
      changeSource: "CRM",
      propertyName: "firstname",
      propertyValue: "x",
    },
  ]);
  const started = performance.now();
  const response = await postHubspot(t, body);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

const importProgress = async (id: string) =>
  (await t.api(`/v1/imports/${id}`)).body as { status: string; progress: { read?: number } };

describe("real-time sync while a bulk import runs", () => {
  it("webhooks are acknowledged within 2 s, a new HubSpot contact reaches Salesforce and Marketo while the import runs, and the import still finishes", {
    timeout: 240_000,
  }, async () => {
    const file = join(t.dir, "bulk.csv");
    febrlCsv(file, ROWS);
    const job = await startImport({ url: t.hub.url, token: t.config.adminToken }, file, "febrl");
    await waitFor(async () => ((await importProgress(job.id)).progress.read ?? 0) > 0, 60_000);

    const hs = t.hub.sandboxes.hubspot!;
    const email = "realtime.under.load@example.com";
    const createdAt = performance.now();
    const created = hs.createContact({ email, firstname: "Real", lastname: "Time" });
    const reached = waitFor(async () => {
      const found = (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body
        .results[0];
      const systems = new Set((found?.sources ?? []).map((s: { system: string }) => s.system));
      return systems.has("salesforce") && systems.has("marketo") && found;
    }, 30_000).then((contact) => ({ contact, ms: performance.now() - createdAt }));

    const acks: { status: number; ms: number }[] = [];
    const health: number[] = [];
    for (let i = 0; i < 60 && (await importProgress(job.id)).status === "running"; i++) {
      acks.push(await signedWebhook(900_000 + i, 5_000 + i));
      const started = performance.now();
      await (await fetch(`${t.hub.url}/healthz`)).arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const arrival = await reached;
    console.info(
      `under a ${ROWS}-row import: ${acks.length} webhooks acked in at most ${Math.max(...acks.map((a) => a.ms)).toFixed(0)} ms, /healthz in at most ${Math.max(...health).toFixed(0)} ms; HubSpot -> Salesforce + Marketo in ${arrival.ms.toFixed(0)} ms`,
    );

    expect(acks.length).toBeGreaterThanOrEqual(10);
    expect(acks.every((a) => a.status === 200)).toBe(true);
    expect(Math.max(...acks.map((a) => a.ms))).toBeLessThan(ACK_BOUND_MS);
    expect(Math.max(...health)).toBeLessThan(ACK_BOUND_MS);
    expect(arrival.ms).toBeLessThan(ARRIVAL_BOUND_MS);
    expect(arrival.contact.sources.map((s: { externalId: string }) => s.externalId)).toContain(
      String(created.id),
    );

    // The import was not starved meanwhile: it ends with every row.
    const done = await waitFor(async () => {
      const current = await importProgress(job.id);
      return current.status !== "running" && current.status !== "queued" && current;
    }, 200_000);
    expect(done).toMatchObject({ status: "succeeded", progress: { read: ROWS, accepted: ROWS } });
  });
});
