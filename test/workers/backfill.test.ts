import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marketoSeed } from "../../connectors/marketo/sandbox/index.ts";
import { hubspotSeed, seedPeople } from "../../src/sandbox/people.ts";
import type { Sandboxes } from "../../src/sandbox/start.ts";
import { waitFor } from "../helpers/hub.ts";
import {
  buildWorker,
  credentialsFor,
  migratedD1,
  shutdown,
  startSimulators,
  startWorkerHub,
  type WorkerHub,
} from "./worker-hub.ts";

let bundle: string;
beforeAll(async () => {
  bundle = await buildWorker();
}, 120_000);
afterAll(() => shutdown(undefined, undefined, bundle));

const PEOPLE = 1200;
const people = seedPeople(PEOPLE, 11).map((p, i) => ({ ...p, email: `${i}.${p.email}` }));

async function leadEmails(sandboxes: Sandboxes): Promise<string[]> {
  const sf = sandboxes.salesforce!;
  const emails: string[] = [];
  let next: string | undefined =
    `/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id, Email FROM Lead")}`;
  while (next) {
    const page = (await (
      await fetch(`${sf.baseUrl}${next}`, {
        headers: { authorization: `Bearer ${sf.accessToken}` },
      })
    ).json()) as { records: { Email: string }[]; nextRecordsUrl?: string };
    emails.push(...page.records.map((r) => r.Email));
    next = page.nextRecordsUrl;
  }
  return emails;
}

describe("a backfill larger than one invocation, over queue messages", () => {
  let sandboxes: Sandboxes;
  let persistTo: string;
  let hub: WorkerHub;
  let vars: Record<string, string>;

  beforeAll(async () => {
    [persistTo, sandboxes] = await Promise.all([
      migratedD1(),
      startSimulators(0, {
        hubspot: {
          port: 0,
          seed: hubspotSeed(people.map((p) => ({ ...p, inHubspot: true }))),
          rateLimit: { requests: 1000, perMs: 10_000 },
        },
      }),
    ]);
    // Slices of 150 ms: the backfill needs dozens of queue messages, each from the last checkpoint.
    vars = {
      ...credentialsFor(sandboxes),
      HUBSPOT_REQUESTS_PER_10S: "900",
      TSUNAGU_SLICE_MS: "150",
      TSUNAGU_STALE_JOB_MS: "0",
    };
    hub = await startWorkerHub({ bundle, persistTo, vars });
  }, 120_000);
  afterAll(() => shutdown(hub, sandboxes, persistTo));

  it("completes across many slices, survives losing the runtime mid-way, and creates every person exactly once", async () => {
    const submitted = await hub.api("/v1/backfills", { json: { system: "hubspot" } });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    await waitFor(
      async () => (await hub.api(`/v1/backfills/${id}`)).body.progress.pages >= 3,
      60_000,
    );

    // The runtime dies with a slice in flight and its queue message gone; the next cron
    // tick finds the job idle and sends it on from the checkpoint in D1.
    await hub.close();
    const interrupted = (await leadEmails(sandboxes)).length;
    hub = await startWorkerHub({ bundle, persistTo, vars });
    await hub.cron("0 0 1 1 *");

    const done = await waitFor(async () => {
      const job = (await hub.api(`/v1/backfills/${id}`)).body;
      return job.status !== "running" && job.status !== "queued" && job;
    }, 180_000);
    expect(done.status).toBe("succeeded");
    expect(done.progress.slices).toBeGreaterThan(5);
    console.info(
      `workerd backfill: ${PEOPLE} people in ${done.progress.slices} slices, ${done.progress.pages} pages; ${interrupted} leads existed at the interruption`,
    );
    expect(interrupted).toBeLessThan(PEOPLE);

    const expected = people.map((p) => p.email.toLowerCase()).sort();
    const leads = (await leadEmails(sandboxes)).map((e) => e.toLowerCase()).sort();
    expect(leads).toEqual(expected);
    const marketo = sandboxes
      .marketo!.listLeads()
      .map((l) => String(l.email).toLowerCase())
      .sort();
    expect(marketo).toEqual(expected);
    expect(sandboxes.hubspot!.contactCount()).toBe(PEOPLE);
  }, 240_000);
});

describe("two consumers at once stay within one Marketo rate limit", () => {
  let sandboxes: Sandboxes;
  let persistTo: string;
  let hub: WorkerHub;
  const window = { requests: 10, perMs: 2000 };
  const LEADS = 1500;

  beforeAll(async () => {
    [persistTo, sandboxes] = await Promise.all([
      migratedD1(),
      startSimulators(0, {
        marketo: {
          port: 0,
          seed: marketoSeed(seedPeople(LEADS, 5), () => true),
          rateLimit: window,
        },
      }),
    ]);
    hub = await startWorkerHub({
      bundle,
      persistTo,
      secondIsolate: true,
      vars: {
        ...credentialsFor(sandboxes),
        TSUNAGU_SYSTEMS: "marketo",
        MARKETO_REQUESTS_PER_WINDOW: String(window.requests),
        MARKETO_RATE_WINDOW_MS: String(window.perMs),
        TSUNAGU_SLICE_MS: "2000",
      },
    });
  }, 120_000);
  afterAll(() => shutdown(hub, sandboxes, persistTo));

  it("each isolate has its own limiter, yet the fleet never exceeds the configured limit (sandbox request log)", async () => {
    sandboxes.marketo!.clearRequests();
    const [a, b] = await Promise.all([
      hub.api("/v1/backfills", { json: { system: "marketo" } }),
      hub.api("/v1/backfills", { json: { system: "marketo" }, isolate: "tsunagu-2" }),
    ]);
    const finished = async (id: string) => {
      const job = await waitFor(async () => {
        const body = (await hub.api(`/v1/backfills/${id}`)).body;
        return ["succeeded", "failed", "cancelled"].includes(body.status) && body;
      }, 200_000);
      expect(job.status, JSON.stringify(job.errors)).toBe("succeeded");
      return job;
    };
    const [jobA, jobB] = await Promise.all([finished(a.body.id), finished(b.body.id)]);
    expect(jobA.progress.read).toBeGreaterThanOrEqual(LEADS);
    expect(jobB.progress.read).toBeGreaterThanOrEqual(LEADS);

    const log = sandboxes.marketo!.requests();
    const refused = log.filter((r) => r.code === "606" || r.code === "615");
    const busiest = sandboxes.marketo!.maxCallsInWindow(window.perMs);
    console.info(
      `workerd fleet: ${log.length} Marketo calls from two isolates, at most ${busiest} in any ${window.perMs} ms (limit ${window.requests})`,
    );
    // Each isolate's own limiter starts 9 per window, so without the gate the two would reach
    // 18. The gate counts starts; arrivals at the API can bunch by network and CPU delay,
    // which the 10 % kept back absorbs.
    expect(log.length).toBeGreaterThan(2 * window.requests);
    expect(busiest).toBeLessThanOrEqual(window.requests);
    expect(refused).toEqual([]);
  }, 240_000);
});
