import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personInBoth, settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

const byEmail = async (email: string) =>
  (await t.api(`/v1/contacts?email=${email}`)).body.results[0];

// Each Erin has a phone of her own: one phone with one surname and initial is one person,
// and a tombstone blocks that phone key too.
let erins = 0;
const erin = async (email: string) => {
  const p = await personInBoth(t, email, {
    firstname: "Erin",
    lastname: "Erased",
    phone: `+1 202 555 01${90 + ++erins}`,
  });
  return { contact: p.contact, hsId: p.hsId, sfId: p.sfId };
};

describe("erasure (right to be forgotten)", () => {
  it("deletes the person in every linked system and in the hub, and reports per-system status", async () => {
    const { contact, hsId, sfId } = await erin("erin.one@example.com");
    const res = await t.api(`/v1/contacts/${contact.id}/erase`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ requestedBy: "api", status: "completed" });
    expect(
      res.body.systems
        .map((s: { system: string; status: string }) => `${s.system}:${s.status}`)
        .sort(),
    ).toEqual(["hubspot:erased", "salesforce:erased"]);
    expect(JSON.stringify(res.body)).not.toContain("erin.one");
    expect((await t.api(`/v1/contacts/${contact.id}`)).status).toBe(404);
    expect(await byEmail("erin.one@example.com")).toBeUndefined();
    expect(t.hub.sandboxes.hubspot!.getContact(hsId)).toBeUndefined();
    expect(t.hub.sandboxes.salesforce!.getRecord("Lead", sfId)).toBeUndefined();
    expect((await t.api(`/v1/erasures/${res.body.id}`)).body.status).toBe("completed");
  });

  it("an old webhook or a backfill does not bring an erased person back", async () => {
    const { contact, hsId } = await erin("erin.two@example.com");
    const erasure = (await t.api(`/v1/contacts/${contact.id}/erase`, { method: "POST" })).body;
    expect(erasure.status).toBe("completed");
    // The same person re-appears in HubSpot (a re-import), and webhooks and a backfill run.
    t.hub.sandboxes.hubspot!.createContact({ email: "Erin.Two@example.com", lastname: "Erased" });
    await settle(t);
    const backfill = await t.api("/v1/backfills", { json: { system: "hubspot" } });
    await t.hub.engine.idle();
    expect(
      (await t.api(`/v1/backfills/${backfill.body.id}`)).body.progress.erased,
    ).toBeGreaterThanOrEqual(1);
    expect(await byEmail("erin.two@example.com")).toBeUndefined();
    expect(t.hub.sandboxes.hubspot!.getContact(hsId)).toBeUndefined();
  });

  it("a HubSpot privacy deletion erases the person everywhere", async () => {
    const { contact, sfId } = await erin("erin.three@example.com");
    const hsId = contact.sources.find((s: { system: string }) => s.system === "hubspot").externalId;
    await t.hub.engine.accept([
      {
        system: "hubspot",
        object: "contact",
        externalId: hsId,
        kind: "privacy_deletion",
        eventKey: `pd-${hsId}`,
        occurredAt: Date.now(),
      },
    ]);
    await waitFor(async () => (await t.api(`/v1/contacts/${contact.id}`)).status === 404);
    await waitFor(() => t.hub.sandboxes.salesforce!.getRecord("Lead", sfId) === undefined);
  });

  it("a system that fails to erase is visible as partial and retried until it confirms", async () => {
    const { contact, sfId } = await erin("erin.four@example.com");
    const sf = t.hub.sandboxes.salesforce!;
    sf.injectFault({ status: 500, times: 100, method: "DELETE", pathPrefix: "/services/data" });
    const first = (await t.api(`/v1/contacts/${contact.id}/erase`, { method: "POST" })).body;
    expect(first.status).toBe("partial");
    expect(first.systems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: "hubspot", status: "erased" }),
        expect.objectContaining({
          system: "salesforce",
          status: "failed",
          attempts: 1,
          lastError: expect.any(String),
        }),
      ]),
    );
    expect(sf.getRecord("Lead", sfId)).toBeDefined();
    expect((await t.api(`/v1/contacts/${contact.id}`)).status).toBe(404);
    sf.clearFaults();
    await t.hub.engine.continueErasures();
    const done = (await t.api(`/v1/erasures/${first.id}`)).body;
    expect(done.status).toBe("completed");
    expect(done.systems.find((s: { system: string }) => s.system === "salesforce")).toMatchObject({
      status: "erased",
      attempts: 2,
    });
    expect(sf.getRecord("Lead", sfId)).toBeUndefined();
  });

  it("404 for an unknown contact", async () => {
    expect((await t.api("/v1/contacts/nobody/erase", { method: "POST" })).status).toBe(404);
    expect((await t.api("/v1/erasures/nothing")).status).toBe(404);
  });
});
