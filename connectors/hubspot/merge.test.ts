import { describe, expect, it } from "vitest";
import { createHubspotConnector } from "./index.ts";
import { sandboxWithReceiver } from "./sandbox/test-receiver.ts";
import { parseHubspotWebhook } from "./webhooks.ts";

const started = sandboxWithReceiver();

const connector = () =>
  createHubspotConnector({
    accessToken: started.sandbox.accessToken,
    basePath: started.sandbox.baseUrl,
    properties: ["email", "firstname", "phone", "hs_merged_object_ids"],
    retry: { attempts: 2, baseMs: 5, maxMs: 10 },
  });

const contact = (properties: Record<string, string>) =>
  String(started.sandbox.createContact(properties).id);

async function post(path: string, body: unknown) {
  const res = await fetch(`${started.sandbox.baseUrl}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${started.sandbox.accessToken}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("merging contacts (POST /crm/v3/objects/contacts/merge)", () => {
  it("makes one contact with a new id; the primary's values win, both old ids resolve to it", async () => {
    const primary = contact({ email: "ada.p@example.com", firstname: "Ada" });
    const other = contact({ email: "ada.o@example.com", firstname: "Adah", phone: "+1 555 0100" });
    await started.sandbox.webhooksIdle();
    started.receiver.clear();
    const hs = connector();
    const [result] = await hs.mergeRecords([
      { ref: "r", object: "contact", primaryId: primary, mergedIds: [other] },
    ]);
    expect(result?.ok).toBe(true);
    const survivor = result!.externalId!;
    expect([primary, other]).not.toContain(survivor);
    const [merged] = await hs.fetchByIds("contact", [survivor]);
    expect(merged?.fields).toMatchObject({
      email: "ada.p@example.com",
      firstname: "Ada",
      phone: "+1 555 0100",
      hs_merged_object_ids: `${primary};${other}`,
    });
    const byOld = await hs.fetchByIds("contact", [primary, other]);
    expect(byOld.map((r) => r.externalId)).toEqual([survivor]);
    expect(started.sandbox.contactCount()).toBeGreaterThan(0);

    await started.sandbox.webhooksIdle();
    const notices = started.receiver.received.flatMap((r) => parseHubspotWebhook(r.body));
    expect(notices).toEqual([
      expect.objectContaining({
        kind: "merge",
        externalId: survivor,
        detail: expect.objectContaining({
          primaryObjectId: Number(primary),
          mergedObjectIds: [Number(other)],
          newObjectId: Number(survivor),
          changeSource: "INTEGRATION",
        }),
      }),
    ]);
  });

  it("folds several contacts in one after the other, each into the previous survivor", async () => {
    const ids = [1, 2, 3].map((n) => contact({ email: `chain.${n}@example.com` }));
    const [result] = await connector().mergeRecords([
      { ref: "c", object: "contact", primaryId: ids[0]!, mergedIds: ids.slice(1) },
    ]);
    expect(result?.ok).toBe(true);
    const [merged] = await connector().fetchByIds("contact", [result!.externalId!]);
    expect(merged?.fields.email).toBe("chain.1@example.com");
    expect(String(merged?.fields.hs_merged_object_ids).split(";")).toEqual(
      expect.arrayContaining(ids),
    );
  });

  it("answers 404 for an unknown contact and 400 for a contact merged with itself, not retried", async () => {
    const id = contact({ email: "alone@example.com" });
    expect(
      (
        await post("/crm/v3/objects/contacts/merge", {
          primaryObjectId: id,
          objectIdToMerge: "999999",
        })
      ).status,
    ).toBe(404);
    const self = await post("/crm/v3/objects/contacts/merge", {
      primaryObjectId: id,
      objectIdToMerge: id,
    });
    expect(self).toMatchObject({ status: 400, body: { category: "VALIDATION_ERROR" } });
    expect((await post("/crm/v3/objects/contacts/merge", { primaryObjectId: id })).status).toBe(
      400,
    );
    started.sandbox.clearRequests();
    const results = await connector().mergeRecords([
      { ref: "gone", object: "contact", primaryId: id, mergedIds: ["999999"] },
      { ref: "self", object: "contact", primaryId: id, mergedIds: [id] },
      { ref: "obj", object: "company", primaryId: id, mergedIds: ["1"] },
    ]);
    expect(results.map((r) => [r.ref, r.ok, r.error?.code, r.error?.retryable])).toEqual([
      ["gone", false, "OBJECT_NOT_FOUND", false],
      ["self", false, "VALIDATION_ERROR", false],
      ["obj", false, "UNSUPPORTED_OBJECT", false],
    ]);
    expect(started.sandbox.requests().filter((r) => r.path.endsWith("/merge"))).toHaveLength(2);
  });

  it("a merge repeated after its answer was lost counts as made (both ids are one contact already)", async () => {
    const a = contact({ email: "lost.a@example.com" });
    const b = contact({ email: "lost.b@example.com" });
    const first = await post("/crm/v3/objects/contacts/merge", {
      primaryObjectId: a,
      objectIdToMerge: b,
    });
    expect(first.status).toBe(200);
    const [result] = await connector().mergeRecords([
      { ref: "again", object: "contact", primaryId: a, mergedIds: [b] },
    ]);
    expect(result).toEqual({ ref: "again", ok: true, externalId: first.body.id });
  });
});
