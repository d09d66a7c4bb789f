import { describe, expect, it } from "vitest";
import { createHubspotConnector } from "./index.ts";
import { sandboxWithReceiver } from "./sandbox/test-receiver.ts";
import { parseHubspotWebhook } from "./webhooks.ts";

const started = sandboxWithReceiver();

const connector = () =>
  createHubspotConnector({
    accessToken: started.sandbox.accessToken,
    basePath: started.sandbox.baseUrl,
    properties: ["email"],
    consent: {
      subscriptions: [{ subscriptionId: "1001", channel: "email", purpose: "marketing" }],
    },
  });

describe("erase", () => {
  it("gdpr-deletes the contact and its subscription statuses; a second erase is still ok", async () => {
    const id = String(started.sandbox.createContact({ email: "gone@example.com" }).id);
    started.sandbox.setSubscription(
      "gone@example.com",
      "1001",
      "SUBSCRIBED",
      "CONSENT_WITH_NOTICE",
    );
    await started.sandbox.webhooksIdle();
    started.receiver.clear();
    started.sandbox.clearRequests();
    const hub = connector();
    expect(await hub.erase([{ object: "contact", externalId: id }])).toEqual([
      { ref: id, ok: true, externalId: id },
    ]);
    expect(started.sandbox.getContact(id)).toBeUndefined();
    expect(started.sandbox.getSubscriptions("gone@example.com")).toEqual({});
    expect(await hub.erase([{ object: "contact", externalId: id }])).toEqual([
      { ref: id, ok: true, externalId: id },
    ]);
    expect(started.sandbox.requests().map((r) => [r.path, r.status])).toEqual([
      ["/crm/v3/objects/contacts/gdpr-delete", 204],
      ["/crm/v3/objects/contacts/gdpr-delete", 404],
    ]);
    await started.sandbox.webhooksIdle();
    const notices = started.receiver.received.flatMap((r) => parseHubspotWebhook(r.body));
    expect(notices.map((n) => [n.kind, n.externalId]).sort()).toEqual([
      ["delete", id],
      ["privacy_deletion", id],
    ]);
  });

  it("refuses objects other than contact without a call", async () => {
    started.sandbox.clearRequests();
    const [result] = await connector().erase([{ object: "Lead", externalId: "1" }]);
    expect(result).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_OBJECT" } });
    expect(started.sandbox.requests()).toHaveLength(0);
  });
});
