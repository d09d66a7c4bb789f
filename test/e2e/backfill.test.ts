import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import {
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { hubspotSeed, seedPeople } from "../../src/sandbox/people.ts";
import { realSystemsEnv, startTestHub, type TestHub, waitFor, writeCount } from "../helpers/hub.ts";

const PEOPLE = 5000;
let hs: RunningHubspotSandbox;
let sf: RunningSalesforceSandbox;
let env: Record<string, string>;
let dbDir: string;

beforeAll(async () => {
  const people = seedPeople(PEOPLE, 7).map((p, i) => ({ ...p, email: `${i}.${p.email}` }));
  [hs, sf] = await Promise.all([
    startHubspotSandbox({
      port: 0,
      seed: hubspotSeed(people.map((p) => ({ ...p, inHubspot: true }))),
      rateLimit: { requests: 1000, perMs: 10_000 },
      searchPerSecond: 20,
    }),
    startSalesforceSandbox({ port: 0 }),
  ]);
  // The hub talks to these as it would to real systems: through credentials, not the built-in sandbox.
  env = { ...realSystemsEnv(hs, sf), HUBSPOT_REQUESTS_PER_10S: "900" };
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  dbDir = mkdtempSync(`${tmpdir()}/tsunagu-backfill-`);
});
afterAll(async () => {
  await Promise.all([hs?.close(), sf?.close()]);
});

async function leadsInSalesforce(): Promise<{ Id: string; Email: string }[]> {
  const conn = new jsforce.Connection({
    instanceUrl: sf.baseUrl,
    accessToken: sf.accessToken,
    version: "62.0",
  });
  const result = await conn.query<{ Id: string; Email: string }>("SELECT Id, Email FROM Lead", {
    autoFetch: true,
    maxFetch: 20_000,
  });
  return result.records;
}

const waitForJob = (
  t: TestHub,
  id: string,
  done: (job: { status: string; progress: Record<string, number> }) => boolean,
  ms = 120_000,
) =>
  waitFor(async () => {
    const job = (await t.api(`/v1/backfills/${id}`)).body;
    return done(job) && job;
  }, ms);

describe("backfill of 5,000 HubSpot contacts into Salesforce", () => {
  it("dryRun counts the creates it would make and writes nothing anywhere", async () => {
    const t = await startTestHub({ env, dbPath: `${dbDir}/dry.db` });
    try {
      sf.clearRequests();
      hs.clearRequests();
      const started = await t.api("/v1/backfills", { json: { system: "hubspot", dryRun: true } });
      expect(started.status).toBe(202);
      const job = await waitForJob(t, started.body.id, (j) => j.status === "succeeded");
      expect(job.progress.read).toBeGreaterThanOrEqual(PEOPLE);
      expect(job.progress["salesforce.create"]).toBe(PEOPLE);
      expect(writeCount(sf.requests())).toBe(0);
      expect(writeCount(hs.requests())).toBe(0);
      // The score write-back plans an update of every contact; the page just read them.
      expect(hs.requests().filter((r) => r.path.includes("/contacts/batch/read"))).toHaveLength(0);
      expect(await t.hub.store.contacts.count()).toBe(0);
    } finally {
      await t.close();
    }
  });

  it("completes with progress, and survives a restart mid-way without duplicates or loss", async () => {
    const dbPath = `${dbDir}/hub.db`;
    let t = await startTestHub({ env, dbPath });
    const started = await t.api("/v1/backfills", { json: { system: "hubspot" } });
    const id = started.body.id;
    const midway = await waitForJob(t, id, (j) => (j.progress.read ?? 0) >= 1000);
    expect(midway.status).toBe("running");
    await t.close();

    t = await startTestHub({ env, dbPath });
    try {
      const job = await waitForJob(t, id, (j) => j.status === "succeeded");
      expect(job.progress.read).toBeGreaterThanOrEqual(PEOPLE);
      const leads = await leadsInSalesforce();
      expect(leads).toHaveLength(PEOPLE);
      expect(new Set(leads.map((l) => l.Email.toLowerCase())).size).toBe(PEOPLE);
      expect(await t.hub.store.contacts.count()).toBe(PEOPLE);
      const open = await t.api("/v1/dead-letters?status=open");
      expect(open.body.results).toHaveLength(0);
    } finally {
      await t.close();
    }
  });

  it("a cancelled backfill stops and says so", async () => {
    const t = await startTestHub({ env, dbPath: `${dbDir}/cancel.db` });
    try {
      const started = await t.api("/v1/backfills", { json: { system: "hubspot", dryRun: true } });
      await waitForJob(t, started.body.id, (j) => (j.progress.pages ?? 0) >= 1);
      const cancel = await t.api(`/v1/backfills/${started.body.id}/cancel`, { method: "POST" });
      expect(cancel.status).toBe(202);
      const job = await waitForJob(
        t,
        started.body.id,
        (j) => j.status !== "running" && j.status !== "queued",
      );
      expect(job.status).toBe("cancelled");
      expect(job.progress.read).toBeLessThan(PEOPLE);
    } finally {
      await t.close();
    }
  });
});
