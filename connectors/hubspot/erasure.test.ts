import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubspotConnector } from "./index.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./sandbox/index.ts";
import { startTestReceiver, type TestReceiver } from "./sandbox/test-receiver.ts";
import { parseHubspotWebhook } from "./webhooks.ts";

let sandbox: RunningHubspotSandbox;
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver();
  sandbox = await startHubspotSandbox({
    port: 0,
    webhookUrl: receiver.url,
    webhookBatchDelayMs: 5,
  });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const connector = () =>
  createHubspotConnector({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    properties: ["email"],
    consent: {
      subscriptions: [{ subscriptionId: "1001", channel: "email", purpose: "marketing" }],
    },
  });

describe("erase", () => {
  it("gdpr-deletes the contact and its subscription statuses; a second erase is still ok", async () => {
    const id = String(sandbox.createContact({ email: "gone@example.com" }).id);
    sandbox.setSubscription("gone@example.com", "1001", "SUBSCRIBED", "CONSENT_WITH_NOTICE");
    await sandbox.webhooksIdle();
    receiver.clear();
    sandbox.clearRequests();
    const hub = connector();
    expect(await hub.erase([{ object: "contact", externalId: id }])).toEqual([
      { ref: id, ok: true, externalId: id },
    ]);
    expect(sandbox.getContact(id)).toBeUndefined();
    expect(sandbox.getSubscriptions("gone@example.com")).toEqual({});
    expect(await hub.erase([{ object: "contact", externalId: id }])).toEqual([
      { ref: id, ok: true, externalId: id },
    ]);
    expect(sandbox.requests().map((r) => [r.path, r.status])).toEqual([
      ["/crm/v3/objects/contacts/gdpr-delete", 204],
      ["/crm/v3/objects/contacts/gdpr-delete", 404],
    ]);
    await sandbox.webhooksIdle();
    const notices = receiver.received.flatMap((r) => parseHubspotWebhook(r.body));
    expect(notices.map((n) => [n.kind, n.externalId]).sort()).toEqual([
      ["delete", id],
      ["privacy_deletion", id],
    ]);
  });

  it("refuses objects other than contact without a call", async () => {
    sandbox.clearRequests();
    const [result] = await connector().erase([{ object: "Lead", externalId: "1" }]);
    expect(result).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_OBJECT" } });
    expect(sandbox.requests()).toHaveLength(0);
  });
});
