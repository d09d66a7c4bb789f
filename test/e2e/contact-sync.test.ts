import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor, writeCount } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ people: 30 });
  const run = await t.api("/v1/runs", { method: "POST" });
  expect(run.status).toBe(202);
  await t.hub.engine.idle();
  await settle(t);
});
afterAll(() => t?.close());

const contactByEmail = async (email: string) => {
  const res = await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`);
  return res.body.results[0];
};

describe("contact sync HubSpot <-> Salesforce through the hub", () => {
  it("a contact created in HubSpot appears in Salesforce, driven by the webhook, with mapped fields", async () => {
    const started = Date.now();
    t.hub.sandboxes.hubspot!.createContact({
      email: "Grace.Hopper@navy.example",
      firstname: "Grace",
      lastname: "Hopper",
      phone: "(202) 555-0147",
      jobtitle: "Rear Admiral",
      company: "US Navy",
    });
    const contact = await waitFor(async () => {
      const c = await contactByEmail("grace.hopper@navy.example");
      return c?.sources.some((s: { system: string }) => s.system === "salesforce") && c;
    });
    const latencyMs = Date.now() - started;
    const link = contact.sources.find((s: { system: string }) => s.system === "salesforce");
    const lead = t.hub.sandboxes.salesforce!.getRecord("Lead", link.externalId)!;
    expect(lead).toMatchObject({
      Email: "grace.hopper@navy.example",
      FirstName: "Grace",
      LastName: "Hopper",
      Phone: "+12025550147",
      Title: "Rear Admiral",
      Company: "US Navy",
    });
    console.info(`webhook-driven HubSpot -> Salesforce latency: ${latencyMs} ms`);
    expect(latencyMs).toBeLessThan(2000);
  });

  it("a lead created in Salesforce appears in HubSpot, with the picklist mapped", async () => {
    const started = Date.now();
    t.hub.sandboxes.salesforce!.createRecord("Lead", {
      Email: "alan.turing@bletchley.example",
      FirstName: "Alan",
      LastName: "Turing",
      Company: "Bletchley Park",
      Status: "Working - Contacted",
    });
    const contact = await waitFor(async () => {
      const c = await contactByEmail("alan.turing@bletchley.example");
      return c?.sources.some((s: { system: string }) => s.system === "hubspot") && c;
    });
    console.info(`webhook-driven Salesforce -> HubSpot latency: ${Date.now() - started} ms`);
    const link = contact.sources.find((s: { system: string }) => s.system === "hubspot");
    const hs = t.hub.sandboxes.hubspot!.getContact(link.externalId) as {
      properties: Record<string, string>;
    };
    expect(hs.properties).toMatchObject({
      email: "alan.turing@bletchley.example",
      firstname: "Alan",
      lastname: "Turing",
      company: "Bletchley Park",
      hs_lead_status: "IN_PROGRESS",
    });
  });

  it("the same person in both systems (email differs in case and spaces) is one merged record linked to both", async () => {
    const res = await t.api("/v1/contacts?limit=200");
    const merged = res.body.results.filter(
      (c: { sources: { system: string }[] }) => new Set(c.sources.map((s) => s.system)).size === 2,
    );
    // people.ts puts every third person in both systems.
    expect(merged.length).toBeGreaterThanOrEqual(10);
    const emails = res.body.results.map(
      (c: { attributes: { email: string } }) => c.attributes.email,
    );
    expect(new Set(emails).size).toBe(emails.length);
    const one = merged[0];
    expect(one.fieldSources.email).toBeDefined();
    expect(one.attributes.email).toBe(one.attributes.email.trim().toLowerCase());
  });

  it("field rules decide conflicts: company prefers Salesforce unless blank, title is two-way", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    const hs = t.hub.sandboxes.hubspot!;
    const created = sf.createRecord("Lead", {
      Email: "rule@example.com",
      LastName: "Rule",
      Company: "Sales Co",
    });
    const contact = await waitFor(async () => {
      const c = await contactByEmail("rule@example.com");
      return c?.sources.length === 2 && c;
    });
    await settle(t);
    const hsId = contact.sources.find((s: { system: string }) => s.system === "hubspot").externalId;
    hs.updateContact(hsId, { company: "Marketing Co", jobtitle: "VP Growth" });
    await waitFor(() => sf.getRecord("Lead", created.Id as string)?.Title === "VP Growth");
    await settle(t);
    expect(sf.getRecord("Lead", created.Id as string)?.Company).toBe("Sales Co");
    expect((hs.getContact(hsId) as { properties: Record<string, string> }).properties.company).toBe(
      "Sales Co",
    );
    const merged = await contactByEmail("rule@example.com");
    expect(merged.attributes).toMatchObject({ company: "Sales Co", title: "VP Growth" });
    expect(merged.fieldSources.company.system).toBe("salesforce");
    expect(merged.fieldSources.title.system).toBe("hubspot");
  });

  it("after a sync settles, no further API writes happen (no ping-pong)", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const sf = t.hub.sandboxes.salesforce!;
    const created = hs.createContact({
      email: "echo@example.com",
      firstname: "Echo",
      lastname: "Test",
      city: "Osaka",
    });
    await waitFor(async () => (await contactByEmail("echo@example.com"))?.sources.length === 2);
    await settle(t);
    hs.updateContact(created.id as string, { city: "Kyoto" });
    await waitFor(
      async () => (await contactByEmail("echo@example.com"))?.attributes.city === "Kyoto",
    );
    await settle(t);
    const before = writeCount(hs.requests()) + writeCount(sf.requests());
    // Two more seconds of webhooks echoing back and forth would show up here.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await settle(t);
    expect(writeCount(hs.requests()) + writeCount(sf.requests())).toBe(before);
  });

  it("logs carry no personal data or secrets", async () => {
    // A rejected webhook and a failing write both log; neither may echo what they carried.
    await fetch(`${t.hub.url}/webhooks/hubspot`, {
      method: "POST",
      body: '[{"email":"leak@example.com"}]',
    });
    t.hub.sandboxes.salesforce!.injectFault({
      status: 500,
      times: 50,
      method: "POST",
      pathPrefix: "/services/data",
    });
    t.hub.sandboxes.hubspot!.createContact({
      email: "private.person@example.com",
      lastname: "Private",
      phone: "+81 3 1234 5678",
    });
    await waitFor(async () => (await t.api("/v1/dead-letters")).body.results.length > 0, 30_000);
    t.hub.sandboxes.salesforce!.clearFaults();
    const logs = t.logs.join("\n");
    expect(t.logs.length).toBeGreaterThan(0);
    for (const secret of [
      "@example.com",
      "@navy.example",
      "Private",
      "1234 5678",
      t.hub.sandboxes.hubspot!.accessToken,
      t.hub.sandboxes.hubspot!.clientSecret,
      t.hub.sandboxes.salesforce!.accessToken,
      t.config.adminToken,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
