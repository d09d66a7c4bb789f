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

describe("merges done in Salesforce are followed", () => {
  it("leads merged in Salesforce (MasterRecordId) make their people one in the hub on the next run, never a duplicate", async () => {
    const a = await personInBoth(t, "kenji.mori@example.com", {
      firstname: "Kenji",
      lastname: "Mori",
    });
    const b = await personInBoth(t, "k.mori@example.com", { firstname: "Kenji", lastname: "Mori" });
    expect(a.id).not.toBe(b.id);
    const sf = t.hub.sandboxes.salesforce!;
    expect(sf.mergeRecords("Lead", a.sfId, [b.sfId])).toBe(true);

    const run = await t.api("/v1/runs", { json: {} });
    await waitFor(async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded");
    await waitFor(async () => (await t.api(`/v1/contacts/${b.id}`)).status === 404);
    await settle(t);

    const merged = (await t.api(`/v1/contacts/${a.id}`)).body;
    // The merged-away lead is gone from the crosswalk, and the merge is carried into HubSpot:
    // the two contacts become one there (under a new id, as HubSpot merges do).
    expect(systemsOf(merged)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(merged.sources.some((s: { externalId: string }) => s.externalId === b.sfId)).toBe(false);
    expect(merged.merges[0]).toMatchObject({ reason: "salesforce:merge", mergedContactId: b.id });
    const hsId = merged.sources.find((s: { system: string }) => s.system === "hubspot").externalId;
    expect([a.hsId, b.hsId]).not.toContain(hsId);
    expect(t.hub.sandboxes.hubspot!.getContact(b.hsId)?.id).toBe(hsId);
    const audit = (await t.api(`/v1/contacts/${a.id}/record-merges`)).body.results;
    expect(audit).toEqual([
      expect.objectContaining({ system: "hubspot", status: "merged", primaryId: a.hsId }),
    ]);
    expect((await t.api("/v1/dead-letters?status=open")).body.results).toHaveLength(0);
    // Following it twice changes nothing.
    const again = await t.api("/v1/runs", { json: {} });
    await waitFor(
      async () => (await t.api(`/v1/runs/${again.body.id}`)).body.status === "succeeded",
    );
    await settle(t);
    expect((await t.api(`/v1/contacts/${a.id}`)).body.merges).toHaveLength(1);
  });
});
