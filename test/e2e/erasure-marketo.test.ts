import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SObjectType } from "../../connectors/salesforce/sandbox/schema.ts";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { TSUNAGU_SYSTEMS: "hubspot,salesforce,marketo" } });
});
afterAll(() => t?.close());

type Source = { system: string; object: string; externalId: string };

/** A person created in HubSpot, once the hub has linked them in all three systems. */
async function personInAllThree(email: string) {
  t.hub.sandboxes.hubspot!.createContact({ email, firstname: "Mika", lastname: "Forgotten" });
  const contact = await waitFor(async () => {
    const c = (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];
    return c?.sources.length === 3 && c;
  }, 20_000);
  await settle(t);
  const id = (system: string) =>
    (contact.sources as Source[]).find((s) => s.system === system)!.externalId;
  return {
    id: contact.id as string,
    hsId: id("hubspot"),
    sf: (contact.sources as Source[]).find((s) => s.system === "salesforce")!,
    mkId: id("marketo"),
  };
}

describe("erasure across HubSpot, Salesforce and Marketo", () => {
  it("completes in all three systems: the Marketo lead is deleted like the others", async () => {
    const email = "mika.forgotten@example.com";
    const p = await personInAllThree(email);
    const mk = t.hub.sandboxes.marketo!;
    expect(mk.getLead(p.mkId)).toMatchObject({ email });
    mk.clearRequests();

    const res = await t.api(`/v1/contacts/${p.id}/erase`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("completed");
    expect(
      res.body.systems
        .map((s: { system: string; status: string }) => `${s.system}:${s.status}`)
        .sort(),
    ).toEqual(["hubspot:erased", "marketo:erased", "salesforce:erased"]);
    expect(JSON.stringify(res.body)).not.toContain("cannot erase");
    expect((await t.api(`/v1/erasures/${res.body.id}`)).body.status).toBe("completed");

    expect(mk.getLead(p.mkId)).toBeUndefined();
    expect(mk.listLeads().some((l) => String(l.email).toLowerCase() === email)).toBe(false);
    expect(
      mk
        .requests()
        .filter((r) => r.path === "/rest/v1/leads/delete.json")
        .map((r) => [r.method, r.status, r.code]),
    ).toEqual([["POST", 200, undefined]]);
    expect(t.hub.sandboxes.hubspot!.getContact(p.hsId)).toBeUndefined();
    expect(
      t.hub.sandboxes.salesforce!.getRecord(p.sf.object as SObjectType, p.sf.externalId),
    ).toBeUndefined();
    expect((await t.api(`/v1/contacts/${p.id}`)).status).toBe(404);

    // A run afterwards brings nobody back from Marketo's activity log.
    const run = await t.api("/v1/runs", { json: {} });
    await waitFor(async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded");
    await settle(t);
    expect((await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results).toEqual(
      [],
    );
  });

  it("a Marketo refusal leaves the erasure partial, and a retry completes it", async () => {
    const p = await personInAllThree("mika.retry@example.com");
    const mk = t.hub.sandboxes.marketo!;
    // 603: the API user lacks Read-Write Lead (final, not retried by the client).
    mk.injectFault({ code: "603", times: 50, pathPrefix: "/rest/v1/leads/delete.json" });
    const first = (await t.api(`/v1/contacts/${p.id}/erase`, { method: "POST" })).body;
    expect(first.status).toBe("partial");
    expect(first.systems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ system: "hubspot", status: "erased" }),
        expect.objectContaining({ system: "salesforce", status: "erased" }),
        expect.objectContaining({
          system: "marketo",
          status: "failed",
          attempts: 1,
          lastError: "603",
        }),
      ]),
    );
    expect(mk.getLead(p.mkId)).toBeDefined();
    mk.clearFaults();
    await t.hub.engine.continueErasures();
    const done = (await t.api(`/v1/erasures/${first.id}`)).body;
    expect(done.status).toBe("completed");
    expect(done.systems.find((s: { system: string }) => s.system === "marketo")).toMatchObject({
      status: "erased",
      attempts: 2,
    });
    expect(mk.getLead(p.mkId)).toBeUndefined();
  });
});
