import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { TSUNAGU_SYSTEMS: "hubspot,salesforce,marketo" } });
});
afterAll(() => t?.close());

type ContactBody = {
  id: string;
  sources: { system: string; object: string; externalId: string }[];
  score: { total: number; engagement: number; reasons: { rule: string; points: number }[] };
};

const byEmail = async (email: string): Promise<ContactBody | undefined> =>
  (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];

const sourceId = (contact: ContactBody, system: string) =>
  contact.sources.find((s) => s.system === system)!.externalId;

describe("three-way sync: HubSpot <-> hub <-> Salesforce <-> Marketo", () => {
  let person: ContactBody;

  it("a lead created in Marketo reaches HubSpot and Salesforce, driven by Marketo's webhook", async () => {
    const mk = t.hub.sandboxes.marketo!;
    const started = Date.now();
    mk.createLead({
      email: "haruto.sato@kaizen-robotics.example",
      firstName: "Haruto",
      lastName: "Sato",
      company: "Kaizen Robotics",
      title: "Director of Operations",
    });
    person = await waitFor(async () => {
      const c = await byEmail("haruto.sato@kaizen-robotics.example");
      return c?.sources.length === 3 && c;
    });
    console.log(`webhook-driven Marketo -> HubSpot + Salesforce: ${Date.now() - started} ms`);
    await settle(t);
    const hs = t.hub.sandboxes.hubspot!.getContact(sourceId(person, "hubspot"))!;
    expect((hs.properties as Record<string, string>).firstname).toBe("Haruto");
    const lead = t.hub.sandboxes.salesforce!.getRecord("Lead", sourceId(person, "salesforce"))!;
    expect(lead).toMatchObject({ LastName: "Sato", Company: "Kaizen Robotics" });
    const webhooks = await t.api("/v1/sandbox");
    expect(webhooks.body.marketo).toMatchObject({ baseUrl: t.hub.sandboxes.marketo!.baseUrl });
  });

  it("an unsubscribe in Salesforce reaches Marketo", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    sf.updateRecord("Lead", sourceId(person, "salesforce"), { HasOptedOutOfEmail: true });
    const mk = t.hub.sandboxes.marketo!;
    await waitFor(() => mk.getLead(sourceId(person, "marketo"))?.unsubscribed === true);
    await settle(t);
    const hsEmail = "haruto.sato@kaizen-robotics.example";
    const subs = t.hub.sandboxes.hubspot!.getSubscriptions(hsEmail);
    expect(JSON.stringify(subs)).toMatch(/UNSUBSCRIBED|unsubscribed/i);
  });

  it("Marketo activities land on the merged record, once, and move its score", async () => {
    const mk = t.hub.sandboxes.marketo!;
    const leadId = sourceId(person, "marketo");
    const before = (await t.api(`/v1/contacts/${person.id}`)).body as ContactBody;
    mk.addActivity({ leadId, type: "fill_out_form", primaryAttributeValue: "Request a demo" });
    mk.addActivity({
      leadId,
      type: "visit_webpage",
      primaryAttributeValue: "kaizen.example/pricing",
      attributes: { "Webpage URL": "https://kaizen.example/pricing" },
    });
    for (let i = 0; i < 2; i++) {
      const run = await t.api("/v1/runs", { json: {} });
      await waitFor(
        async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded",
      );
    }
    await settle(t);
    const events = (await t.api(`/v1/contacts/${person.id}/engagement`)).body.results as {
      type: string;
      system: string;
    }[];
    expect(
      events
        .filter((e) => e.system === "marketo")
        .map((e) => e.type)
        .sort(),
    ).toEqual(["form_submit", "page_view"]);
    const after = (await t.api(`/v1/contacts/${person.id}`)).body as ContactBody;
    expect(after.score.total).toBeGreaterThan(before.score.total);
    expect(after.score.reasons.map((r) => r.rule)).toContain("form: demo");
    const lead = mk.getLead(leadId)!;
    expect(lead.tsunaguScore).toBe(after.score.total);
  });
});
