import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  personInBoth,
  settle,
  startTestHub,
  systemsOf,
  type TestHub,
  waitFor,
} from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

describe("merges done in a source system, and unmerge", () => {
  it("a HubSpot contact.merge makes the two people one in the hub (no duplicate), and unmerge restores both", async () => {
    const a = await personInBoth(t, "ada.one@example.com", { firstname: "Ada" });
    const b = await personInBoth(t, "ada.two@example.com", { firstname: "Ada" });
    expect(a.id).not.toBe(b.id);
    const consent = await t.api(`/v1/contacts/${b.id}/consent`, {
      json: { channel: "phone", state: "opted_out" },
    });
    expect(consent.status).toBe(201);
    await settle(t);

    // HubSpot merged b into a: one contact.merge event naming both ids.
    await t.hub.engine.accept([
      {
        system: "hubspot",
        object: "contact",
        externalId: a.hsId,
        kind: "merge",
        eventKey: `merge-${a.hsId}-${b.hsId}`,
        occurredAt: Date.now(),
        detail: {
          mergedObjectIds: [Number(a.hsId), Number(b.hsId)],
          primaryObjectId: Number(a.hsId),
        },
      },
    ]);
    await waitFor(async () => (await t.api(`/v1/contacts/${b.id}`)).status === 404);
    await settle(t);
    const merged = (await t.api(`/v1/contacts/${a.id}`)).body;
    // Followed into Salesforce: b's lead is merged into a's there.
    expect(systemsOf(merged)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(t.hub.sandboxes.salesforce!.getRecord("Lead", b.sfId)).toBeUndefined();
    expect(merged.consent.find((c: { channel: string }) => c.channel === "phone")).toMatchObject({
      state: "opted_out",
    });

    const undone = await t.api(`/v1/contacts/${a.id}/unmerge`, { method: "POST" });
    expect(undone.status).toBe(200);
    expect(undone.body.restored.id).toBe(b.id);
    // Salesforce cannot unmerge: b keeps its values and gets a record again in each system.
    expect(systemsOf(undone.body.winner)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    const restored = await waitFor(async () => {
      const c = (await t.api(`/v1/contacts/${b.id}`)).body;
      return c.sources.length === 2 && c;
    });
    expect(systemsOf(restored)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(restored.sources.map((s: { externalId: string }) => s.externalId)).not.toContain(b.sfId);
    expect(restored.consent.find((c: { channel: string }) => c.channel === "phone")).toMatchObject({
      state: "opted_out",
    });
    expect(
      (await t.api(`/v1/contacts/${a.id}`)).body.consent.find(
        (c: { channel: string }) => c.channel === "phone",
      ),
    ).toBeUndefined();

    const again = await t.api(`/v1/contacts/${a.id}/unmerge`, { method: "POST" });
    expect(again.status).toBe(409);
  });
});
