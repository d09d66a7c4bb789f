import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandboxes } from "../../src/sandbox/start.ts";
import { waitFor, writeCount } from "../helpers/hub.ts";
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
 * Contact sync, consent and scheduled runs with the hub in workerd: webhooks go to the
 * Worker, notices through a Queue to its consumer, writes to the simulators on loopback,
 * state in D1.
 */
let bundle: string;
let persistTo: string;
let sandboxes: Sandboxes;
let hub: WorkerHub;
let vars: Record<string, string>;

async function start() {
  hub = await startWorkerHub({ bundle, persistTo, vars });
  sandboxes.hubspot!.setWebhookTarget(`${hub.url}/webhooks/hubspot`);
  sandboxes.salesforce!.setWebhookTarget(`${hub.url}/webhooks/salesforce`);
  sandboxes.marketo!.setWebhookTarget(`${hub.url}/webhooks/marketo`);
}

beforeAll(async () => {
  [bundle, persistTo, sandboxes] = await Promise.all([
    buildWorker(),
    migratedD1(),
    startSimulators(30),
  ]);
  vars = credentialsFor(sandboxes);
  await start();
}, 120_000);
afterAll(() => shutdown(hub, sandboxes, bundle, persistTo));

type ContactBody = {
  id: string;
  attributes: Record<string, string>;
  sources: { system: string; object: string; externalId: string }[];
};

const byEmail = async (email: string): Promise<ContactBody | undefined> =>
  (await hub.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];
const sourceId = (contact: ContactBody, system: string) =>
  contact.sources.find((s) => s.system === system)!.externalId;

async function quiet() {
  await Promise.all([
    sandboxes.hubspot!.webhooksIdle(),
    sandboxes.salesforce!.webhooksIdle(),
    sandboxes.marketo!.webhooksIdle(),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 2500));
}

describe("the hub on Cloudflare Workers (workerd, D1, Queues, Cron Triggers)", () => {
  it("the console answers 501 with a problem saying to open it on a Node hub (no files to serve here)", async () => {
    const response = await hub.api("/console");
    expect(response.status).toBe(501);
    expect(response.body.detail).toMatch(/Node hub/);
  });

  it("a cron trigger runs an incremental sync that links the seeded people across all three systems", async () => {
    await hub.cron("*/5 * * * *");
    const runs = await waitFor(async () => {
      const list = (await hub.api("/v1/runs")).body.results;
      return list.length > 0 && list[0].status === "succeeded" && list;
    }, 60_000);
    expect(runs).toHaveLength(1);
    expect(runs[0].progress.failed ?? 0).toBe(0);
    const all = (await hub.api("/v1/contacts?limit=200")).body.results as ContactBody[];
    const emails = all.map((c) => c.attributes.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(all.filter((c) => c.sources.length === 3).length).toBeGreaterThanOrEqual(30);
  });

  it("a contact created in HubSpot reaches Salesforce and Marketo through the webhook -> queue -> consumer path", async () => {
    const started = Date.now();
    sandboxes.hubspot!.createContact({
      email: "Grace.Hopper@navy.example",
      firstname: "Grace",
      lastname: "Hopper",
      phone: "(202) 555-0147",
      jobtitle: "Rear Admiral",
      company: "US Navy",
    });
    const contact = await waitFor(async () => {
      const c = await byEmail("grace.hopper@navy.example");
      return c?.sources.length === 3 && c;
    }, 20_000);
    console.info(
      `workerd: webhook-driven HubSpot -> Salesforce + Marketo: ${Date.now() - started} ms`,
    );
    expect(sandboxes.salesforce!.getRecord("Lead", sourceId(contact, "salesforce"))).toMatchObject({
      Email: "grace.hopper@navy.example",
      LastName: "Hopper",
      Phone: "+12025550147",
      Title: "Rear Admiral",
      Company: "US Navy",
    });
    expect(sandboxes.marketo!.getLead(sourceId(contact, "marketo"))).toMatchObject({
      email: "grace.hopper@navy.example",
      lastName: "Hopper",
    });
  });

  it("a lead created in Salesforce reaches HubSpot, with the picklist mapped", async () => {
    sandboxes.salesforce!.createRecord("Lead", {
      Email: "alan.turing@bletchley.example",
      FirstName: "Alan",
      LastName: "Turing",
      Company: "Bletchley Park",
      Status: "Working - Contacted",
    });
    const contact = await waitFor(async () => {
      const c = await byEmail("alan.turing@bletchley.example");
      return c?.sources.some((s) => s.system === "hubspot") && c;
    }, 20_000);
    const hs = sandboxes.hubspot!.getContact(sourceId(contact, "hubspot")) as {
      properties: Record<string, string>;
    };
    expect(hs.properties).toMatchObject({
      email: "alan.turing@bletchley.example",
      lastname: "Turing",
      hs_lead_status: "IN_PROGRESS",
    });
  });

  it("an unsubscribe in Salesforce reaches Marketo and HubSpot", async () => {
    const person = (await byEmail("grace.hopper@navy.example"))!;
    sandboxes.salesforce!.updateRecord("Lead", sourceId(person, "salesforce"), {
      HasOptedOutOfEmail: true,
    });
    await waitFor(
      () => sandboxes.marketo!.getLead(sourceId(person, "marketo"))?.unsubscribed === true,
      20_000,
    );
    await waitFor(() =>
      /UNSUBSCRIBED/i.test(
        JSON.stringify(sandboxes.hubspot!.getSubscriptions("grace.hopper@navy.example")),
      ),
    );
  });

  it("after a sync settles, no further API writes happen (no ping-pong)", async () => {
    const person = (await byEmail("alan.turing@bletchley.example"))!;
    sandboxes.hubspot!.updateContact(sourceId(person, "hubspot"), { city: "Kyoto" });
    await waitFor(
      async () => (await byEmail("alan.turing@bletchley.example"))?.attributes.city === "Kyoto",
    );
    await quiet();
    const writes = () =>
      writeCount(sandboxes.hubspot!.requests()) +
      writeCount(sandboxes.salesforce!.requests()) +
      writeCount(sandboxes.marketo!.requests());
    const before = writes();
    await quiet();
    expect(writes()).toBe(before);
  });

  it("D1 keeps everything across a restart of the runtime", async () => {
    const before = (await hub.api("/v1/contacts?limit=200")).body.results as ContactBody[];
    await hub.close();
    await start();
    const after = (await hub.api("/v1/contacts?limit=200")).body.results as ContactBody[];
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    // And the restarted hub still knows who is who: an edit links to the same person.
    const person = (await byEmail("alan.turing@bletchley.example"))!;
    sandboxes.hubspot!.updateContact(sourceId(person, "hubspot"), { jobtitle: "Codebreaker" });
    await waitFor(
      () =>
        sandboxes.salesforce!.getRecord("Lead", sourceId(person, "salesforce"))?.Title ===
        "Codebreaker",
      20_000,
    );
    expect((await byEmail("alan.turing@bletchley.example"))!.id).toBe(person.id);
  });
});
