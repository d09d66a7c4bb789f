import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

/**
 * Two isolates of the hub at one person at once (issue 12): each must leave one person in the
 * hub and one record per system, whichever isolate wins the race and however they interleave.
 */
let bundle: string;
beforeAll(async () => {
  bundle = await buildWorker();
}, 120_000);
afterAll(() => shutdown(undefined, undefined, bundle));

type ContactBody = {
  id: string;
  attributes: Record<string, string>;
  sources: { system: string; object: string; externalId: string }[];
};

async function people(hub: WorkerHub): Promise<ContactBody[]> {
  const all: ContactBody[] = [];
  for (let cursor: string | null = null; ; ) {
    const query: string = cursor ? `&cursor=${cursor}` : "";
    const page = (await hub.api(`/v1/contacts?limit=200${query}`)).body;
    all.push(...page.results);
    cursor = page.nextCursor;
    if (!cursor) return all;
  }
}

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
    emails.push(...page.records.map((r) => r.Email.toLowerCase()));
    next = page.nextRecordsUrl;
  }
  return emails.sort();
}

const marketoEmails = (sandboxes: Sandboxes) =>
  sandboxes
    .marketo!.listLeads()
    .map((l) => String(l.email).toLowerCase())
    .sort();

/** One person per email, with exactly one record in each system. */
function expectOnePersonEach(all: ContactBody[], emails: string[]) {
  const byEmail = new Map<string, ContactBody[]>();
  for (const c of all)
    byEmail.set(c.attributes.email!, [...(byEmail.get(c.attributes.email!) ?? []), c]);
  expect([...byEmail.keys()].sort()).toEqual(emails);
  for (const email of emails) {
    const found = byEmail.get(email)!;
    expect(found, email).toHaveLength(1);
    expect(found[0]!.sources.map((s) => s.system).sort(), email).toEqual([
      "hubspot",
      "marketo",
      "salesforce",
    ]);
  }
}

/**
 * A loopback receiver that hands every webhook to both isolates at once, unchanged (the hub
 * checks HubSpot's signature against TSUNAGU_PUBLIC_URL, the receiver's address).
 */
function fanOut() {
  let hub: WorkerHub | undefined;
  const delivered = { first: 0, second: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string" && (name.startsWith("x-") || name === "content-type"))
          headers[name] = value;
      const init = { method: req.method!, headers, body: Buffer.concat(chunks).toString() };
      const url = `${hub!.url}${req.url}`;
      const second = await hub!.mf.getWorker("tsunagu-2");
      const status = async (response: { status: number; text(): Promise<string> }) => {
        await response.text();
        return response.status;
      };
      const [a, b] = await Promise.all([
        fetch(url, init).then(status),
        second.fetch(url, init as never).then(status),
      ]);
      if (a < 300) delivered.first++;
      if (b < 300) delivered.second++;
      res.writeHead(a < 300 && b < 300 ? 200 : 500).end();
    });
  });
  return {
    delivered,
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    target(to: WorkerHub) {
      hub = to;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("two isolates at one new HubSpot contact (webhook -> two queues -> two consumers)", () => {
  let sandboxes: Sandboxes;
  let persistTo: string;
  let hub: WorkerHub;
  const receiver = fanOut();

  beforeAll(async () => {
    let url: string;
    [persistTo, sandboxes, url] = await Promise.all([
      migratedD1(),
      // Real APIs answer in a few hundred ms: the isolates' batches overlap as they would.
      startSimulators(0, { marketo: { port: 0, latencyMs: 200 } }),
      receiver.listen(),
    ]);
    hub = await startWorkerHub({
      bundle,
      persistTo,
      secondIsolate: true,
      ownNotices: true,
      vars: { ...credentialsFor(sandboxes), TSUNAGU_PUBLIC_URL: url },
    });
    receiver.target(hub);
    sandboxes.hubspot!.setWebhookTarget(`${url}/webhooks/hubspot`);
    sandboxes.salesforce!.setWebhookTarget(`${hub.url}/webhooks/salesforce`);
    sandboxes.marketo!.setWebhookTarget(`${hub.url}/webhooks/marketo`);
  }, 120_000);
  afterAll(async () => {
    await receiver.close();
    await shutdown(hub, sandboxes, persistTo);
  });

  it("each webhook is processed by both isolates at once, and leaves one person and one record per system", async () => {
    const emails: string[] = [];
    for (let wave = 0; wave < 3; wave++) {
      const made: string[] = [];
      for (let i = 0; i < 6; i++) {
        const email = `race.${wave}.${i}@one-writer.example`;
        sandboxes.hubspot!.createContact({
          email,
          firstname: `Wave${wave}`,
          lastname: `Person${i}`,
          company: "One Writer KK",
        });
        made.push(email);
      }
      emails.push(...made);
      await waitFor(async () => {
        const all = await people(hub);
        return made.every((email) =>
          all.some((c) => c.attributes.email === email && c.sources.length >= 3),
        );
      }, 60_000);
    }
    // Echoes and queue retries have played out.
    await Promise.all([
      sandboxes.hubspot!.webhooksIdle(),
      sandboxes.salesforce!.webhooksIdle(),
      sandboxes.marketo!.webhooksIdle(),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 4000));

    expect(receiver.delivered.first).toBeGreaterThanOrEqual(3);
    expect(receiver.delivered.second).toBe(receiver.delivered.first);
    emails.sort();
    expectOnePersonEach(await people(hub), emails);
    expect(await leadEmails(sandboxes)).toEqual(emails);
    expect(marketoEmails(sandboxes)).toEqual(emails);
    expect(sandboxes.hubspot!.contactCount()).toBe(emails.length);
  }, 180_000);
});

describe("two isolates backfilling the same new HubSpot contacts at once", () => {
  let sandboxes: Sandboxes;
  let persistTo: string;
  let hub: WorkerHub;
  const PEOPLE = 300;
  const seeded = seedPeople(PEOPLE, 23).map((p, i) => ({
    ...p,
    email: `${i}.${p.email}`.toLowerCase(),
  }));

  beforeAll(async () => {
    [persistTo, sandboxes] = await Promise.all([
      migratedD1(),
      startSimulators(0, {
        hubspot: {
          port: 0,
          seed: hubspotSeed(seeded.map((p) => ({ ...p, inHubspot: true }))),
          rateLimit: { requests: 1000, perMs: 10_000 },
        },
      }),
    ]);
    hub = await startWorkerHub({
      bundle,
      persistTo,
      secondIsolate: true,
      vars: { ...credentialsFor(sandboxes), HUBSPOT_REQUESTS_PER_10S: "900" },
    });
  }, 120_000);
  afterAll(() => shutdown(hub, sandboxes, persistTo));

  it("both backfills succeed, and every person exists once with one record per system", async () => {
    const [a, b] = await Promise.all([
      hub.api("/v1/backfills", { json: { system: "hubspot" } }),
      hub.api("/v1/backfills", { json: { system: "hubspot" }, isolate: "tsunagu-2" }),
    ]);
    const finished = (id: string) =>
      waitFor(async () => {
        const job = (await hub.api(`/v1/backfills/${id}`)).body;
        return job.status !== "running" && job.status !== "queued" && job;
      }, 150_000);
    const jobs = await Promise.all([finished(a.body.id), finished(b.body.id)]);
    expect(jobs.map((j) => j.status)).toEqual(["succeeded", "succeeded"]);

    const emails = seeded.map((p) => p.email).sort();
    expectOnePersonEach(await people(hub), emails);
    expect(await leadEmails(sandboxes)).toEqual(emails);
    expect(marketoEmails(sandboxes)).toEqual(emails);
    expect(sandboxes.hubspot!.contactCount()).toBe(PEOPLE);
  }, 240_000);
});
