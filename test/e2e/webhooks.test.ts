import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signHubspotLegacy } from "../../connectors/hubspot/webhooks.ts";
import { buildOutboundMessage } from "../../connectors/salesforce/webhooks.ts";
import {
  postHubspot as postSigned,
  settle,
  startTestHub,
  type TestHub,
  waitFor,
  writeCount,
} from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

const inboxTotal = async () =>
  Object.values(await t.hub.store.inbox.countByStatus()).reduce((a, b) => a + b, 0);

const postHubspot = (body: string, options?: Parameters<typeof postSigned>[2]) =>
  postSigned(t, body, options);

const event = (objectId: number, eventId = 1) =>
  JSON.stringify([
    {
      eventId,
      subscriptionId: 100,
      portalId: 62515,
      appId: 54321,
      occurredAt: Date.now(),
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId,
      changeSource: "CRM_UI",
      propertyName: "firstname",
      propertyValue: "X",
    },
  ]);

describe("HubSpot webhook security", () => {
  it("a bad signature gets 401 problem+json and stores nothing", async () => {
    const before = await inboxTotal();
    const res = await postHubspot(event(1), { secret: "not-the-secret" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as { field: string }).field).toBe("X-HubSpot-Signature-v3");
    expect(await inboxTotal()).toBe(before);
  });

  it("a stale (6 minutes old) or future-skewed timestamp gets 401 and stores nothing", async () => {
    const before = await inboxTotal();
    expect((await postHubspot(event(2), { timestamp: Date.now() - 6 * 60_000 })).status).toBe(401);
    expect((await postHubspot(event(2), { timestamp: Date.now() + 10 * 60_000 })).status).toBe(401);
    expect(await inboxTotal()).toBe(before);
  });

  it("a signature over a different URL is rejected (the full URL is signed)", async () => {
    const res = await postHubspot(event(3), { url: `${t.hub.url}/webhooks/other` });
    expect(res.status).toBe(401);
  });

  it("a missing signature gets 401", async () => {
    const res = await fetch(`${t.hub.url}/webhooks/hubspot`, { method: "POST", body: event(4) });
    expect(res.status).toBe(401);
  });

  it("legacy v1 signatures are accepted for older apps", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const body = event(999_001);
    const signature = await signHubspotLegacy({
      version: "v1",
      rawBody: body,
      clientSecret: hs.clientSecret,
    });
    const res = await fetch(`${t.hub.url}/webhooks/hubspot`, {
      method: "POST",
      headers: { "x-hubspot-signature": signature, "x-hubspot-signature-version": "v1" },
      body,
    });
    expect(res.status).toBe(200);
  });

  it("a signed but malformed body gets 400 naming the field and stores nothing", async () => {
    const before = await inboxTotal();
    const res = await postHubspot(
      JSON.stringify([{ eventId: 1, subscriptionType: "contact.creation", objectId: "abc" }]),
    );
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { field: string; detail: string };
    expect(problem.field).toMatch(/^\[0\]\.(subscriptionId|portalId|objectId|occurredAt)$/);
    expect(problem.detail).toContain(problem.field);
    expect(await inboxTotal()).toBe(before);
  });

  it("a replayed valid webhook changes nothing", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const sf = t.hub.sandboxes.salesforce!;
    const created = hs.createContact({
      email: "replay@example.com",
      firstname: "Re",
      lastname: "Play",
    });
    await waitFor(
      async () =>
        (await t.api("/v1/contacts?email=replay@example.com")).body.results[0]?.sources.length ===
        2,
    );
    await settle(t);
    const body = event(Number(created.id), 77);
    const first = await postHubspot(body);
    expect(first.status).toBe(200);
    await settle(t);
    const writes = writeCount(hs.requests()) + writeCount(sf.requests());
    const rows = await inboxTotal();
    for (let i = 0; i < 3; i++) {
      const again = await postHubspot(body);
      expect(again.status).toBe(200);
      expect(((await again.json()) as { stored: number }).stored).toBe(0);
    }
    await settle(t);
    expect(await inboxTotal()).toBe(rows);
    expect(writeCount(hs.requests()) + writeCount(sf.requests())).toBe(writes);
  });
});

describe("Salesforce Outbound Message receiver", () => {
  const post = (body: string) =>
    fetch(`${t.hub.url}/webhooks/salesforce`, {
      method: "POST",
      headers: { "content-type": "text/xml; charset=utf-8", soapaction: '""' },
      body,
    });

  it("acknowledges a message from the configured org with notificationsResponse Ack true, once durable", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    const before = await inboxTotal();
    const body = buildOutboundMessage({
      organizationId: sf.organizationId,
      actionId: "04k000000000001AAA",
      sessionId: "x",
      enterpriseUrl: `${sf.baseUrl}/services/Soap/c/62.0`,
      partnerUrl: `${sf.baseUrl}/services/Soap/u/62.0`,
      notifications: [
        {
          id: "04l000000000001AAA",
          sObjectType: "Lead",
          fields: { Id: "00Q000000000001AAA", LastName: "X" },
        },
      ],
    });
    const res = await post(body);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain("notificationsResponse");
    expect(xml).toMatch(/<Ack>true<\/Ack>/);
    expect(await inboxTotal()).toBe(before + 1);
    await post(body);
    expect(await inboxTotal()).toBe(before + 1);
  });

  it("answers a message from another org with a SOAP fault and stores nothing", async () => {
    const before = await inboxTotal();
    const sample = readFileSync(
      resolve(process.cwd(), "../shared/specs/salesforce/notifications-request.contact.xml"),
      "utf8",
    );
    const res = await post(sample);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("soapenv:Fault");
    expect(await inboxTotal()).toBe(before);
  });

  it("answers malformed XML with a SOAP fault and stores nothing", async () => {
    const before = await inboxTotal();
    const res = await post("<soapenv:Envelope><notifications><Notification>");
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<faultcode>soapenv:Client<\/faultcode>/);
    expect(await inboxTotal()).toBe(before);
  });
});
