import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personInBoth, settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

async function person(email: string) {
  const p = await personInBoth(t, email, { firstname: "Con", lastname: "Sent" });
  return { id: p.id, hsId: p.hsId, lead: p.sfId };
}

const hubspotAll = (email: string) =>
  t.hub.sandboxes.hubspot!.getSubscriptions(email) as unknown as
    | { subscriptionId?: string; status?: string }[]
    | Record<string, unknown>;

describe("consent across HubSpot and Salesforce", () => {
  it("an unsubscribe in HubSpot shows in Salesforce within 2 s", async () => {
    const { lead } = await person("unsub@example.com");
    const started = Date.now();
    t.hub.sandboxes.hubspot!.setSubscription("unsub@example.com", "all", "UNSUBSCRIBED");
    await waitFor(
      () => t.hub.sandboxes.salesforce!.getRecord("Lead", lead)?.HasOptedOutOfEmail === true,
      2000,
    );
    console.info(
      `HubSpot unsubscribe -> Salesforce HasOptedOutOfEmail: ${Date.now() - started} ms`,
    );
  });

  it("unchecking HasOptedOutOfEmail in Salesforce does not re-subscribe the contact in HubSpot", async () => {
    const { lead } = await person("stays.out@example.com");
    const hs = t.hub.sandboxes.hubspot!;
    hs.setSubscription("stays.out@example.com", "all", "UNSUBSCRIBED");
    await waitFor(
      () => t.hub.sandboxes.salesforce!.getRecord("Lead", lead)?.HasOptedOutOfEmail === true,
    );
    await settle(t);
    t.hub.sandboxes.salesforce!.updateRecord("Lead", lead, { HasOptedOutOfEmail: false });
    await settle(t);
    expect(JSON.stringify(hubspotAll("stays.out@example.com"))).toMatch(
      /UNSUBSCRIBED|unsubscribed/i,
    );
    expect(JSON.stringify(hubspotAll("stays.out@example.com"))).not.toMatch(/"SUBSCRIBED"/);
  });

  it("a call-centre opt-out recorded through the API reaches both systems", async () => {
    const { id, lead } = await person("callcentre@example.com");
    const res = await t.api(`/v1/contacts/${id}/consent`, {
      json: { channel: "email", state: "opted_out", evidence: { kind: "call_centre", ref: "T-1" } },
    });
    expect(res.status).toBe(201);
    await waitFor(
      () => t.hub.sandboxes.salesforce!.getRecord("Lead", lead)?.HasOptedOutOfEmail === true,
    );
    await waitFor(() => /UNSUBSCRIBED/i.test(JSON.stringify(hubspotAll("callcentre@example.com"))));
    const contact = (await t.api(`/v1/contacts/${id}`)).body;
    expect(
      contact.consent.find((c: { purpose: string | null }) => c.purpose === null),
    ).toMatchObject({ state: "opted_out" });
  });
});

describe("engagement", () => {
  it("HubSpot meetings, email clicks and form fills land on the merged record and in Salesforce as Tasks, once, however often they are read", async () => {
    const { id, hsId, lead } = await person("engaged@example.com");
    const hs = t.hub.sandboxes.hubspot!;
    hs.createEngagement("meetings", hsId, {
      hs_meeting_title: "Discovery call",
      hs_timestamp: String(Date.now() - 60_000),
    });
    hs.addEmailEvent("engaged@example.com", "CLICK", { url: "https://example.com/pricing" });
    const form = hs.createForm("Webinar sign-up");
    hs.submitForm(form.id, { email: "engaged@example.com", firstname: "Engaged" });
    for (let i = 0; i < 2; i++) {
      await t.api("/v1/runs", { method: "POST" });
      await t.hub.engine.idle();
    }
    const events = (await t.api(`/v1/contacts/${id}/engagement`)).body.results;
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual([
      "email_click",
      "form_submit",
      "meeting",
    ]);
    // The merged person's score explains itself with the same events (shipped rules).
    const { score } = (await t.api(`/v1/contacts/${id}`)).body;
    expect(score.engagement).toBeGreaterThan(50);
    expect(score.reasons.map((r: { rule: string }) => r.rule)).toEqual(
      expect.arrayContaining(["form", "meeting", "email click"]),
    );
    expect(score.summary).toMatch(/^\d+ \([A-D]\)/);
    const { default: jsforce } = await import("jsforce");
    const sf = t.hub.sandboxes.salesforce!;
    const conn = new jsforce.Connection({
      instanceUrl: sf.baseUrl,
      accessToken: sf.accessToken,
      version: "62.0",
    });
    const tasks = await conn.query(`SELECT Id, Subject FROM Task WHERE WhoId = '${lead}'`);
    // One Task each for the click, the form fill and the meeting (all configured types), however often read.
    expect(tasks.records).toHaveLength(3);
    expect(tasks.records.map((r) => String(r.Subject)).join(" ")).toMatch(/meeting/);
  });
});
