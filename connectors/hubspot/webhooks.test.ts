import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../shared/timing-safe.ts";
import {
  parseHubspotWebhook,
  signHubspotLegacy,
  signHubspotV3,
  verifyHubspotSignature,
} from "./webhooks.ts";

interface Vector {
  version: "v1" | "v2" | "v3";
  clientSecret: string;
  method: string | null;
  uri: string | null;
  body: string;
  timestamp: string | null;
  signature: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(
    path.resolve(process.cwd(), "../shared/specs/hubspot-webhook-signature-vectors.json"),
    "utf8",
  ),
).vectors;

const SECRET = "test-secret";
const URL_ = "https://hub.example.com/webhooks/hubspot?x=1";

function headersFor(v: Vector): Record<string, string> {
  if (v.version === "v3") {
    return {
      "X-HubSpot-Signature-v3": v.signature,
      "X-HubSpot-Request-Timestamp": v.timestamp ?? "",
      "X-HubSpot-Signature-Version": "v3",
    };
  }
  return { "X-HubSpot-Signature": v.signature, "X-HubSpot-Signature-Version": v.version };
}

describe("HubSpot signature vectors", () => {
  it("covers every version in the shared file", () => {
    expect(new Set(vectors.map((v) => v.version))).toEqual(new Set(["v1", "v2", "v3"]));
  });

  for (const [i, v] of vectors.entries()) {
    it(`vector ${i} (${v.version}) computes and verifies`, async () => {
      const computed =
        v.version === "v3"
          ? await signHubspotV3({
              method: v.method ?? "",
              url: v.uri ?? "",
              rawBody: v.body,
              clientSecret: v.clientSecret,
              timestamp: v.timestamp ?? "",
            })
          : await signHubspotLegacy({
              version: v.version,
              method: v.method ?? undefined,
              url: v.uri ?? undefined,
              rawBody: v.body,
              clientSecret: v.clientSecret,
            });
      expect(computed).toBe(v.signature);
      const result = await verifyHubspotSignature({
        method: v.method ?? "POST",
        url: v.uri ?? "https://ignored.example.com/",
        rawBody: v.body,
        headers: new Headers(headersFor(v)),
        clientSecret: v.clientSecret,
        // The v3 vector's timestamp is ancient: verify the HMAC as of that moment.
        now: v.timestamp ? Number(v.timestamp) : undefined,
      });
      expect(result).toEqual({ ok: true, version: v.version });
    });

    it(`vector ${i} (${v.version}) fails with the wrong secret`, async () => {
      const result = await verifyHubspotSignature({
        method: v.method ?? "POST",
        url: v.uri ?? "https://ignored.example.com/",
        rawBody: v.body,
        headers: headersFor(v),
        clientSecret: `${v.clientSecret}x`,
        now: v.timestamp ? Number(v.timestamp) : undefined,
      });
      expect(result.ok).toBe(false);
    });
  }
});

describe("verifyHubspotSignature v3", () => {
  const body = '[{"eventId":1}]';
  const now = 1_800_000_000_000;

  async function signed(timestamp: number, overrides: Partial<{ body: string; url: string }> = {}) {
    const signature = await signHubspotV3({
      method: "POST",
      url: URL_,
      rawBody: body,
      clientSecret: SECRET,
      timestamp,
    });
    return verifyHubspotSignature({
      method: "POST",
      url: overrides.url ?? URL_,
      rawBody: overrides.body ?? body,
      headers: {
        "x-hubspot-signature-v3": signature,
        "x-hubspot-request-timestamp": String(timestamp),
      },
      clientSecret: SECRET,
      now,
    });
  }

  it("accepts a fresh, correctly signed request", async () => {
    expect(await signed(now - 1_000)).toEqual({ ok: true, version: "v3" });
  });

  it("rejects a timestamp older than five minutes even with a valid signature", async () => {
    const result = await signed(now - 300_001);
    expect(result).toEqual({ ok: false, reason: "timestamp is too old" });
  });

  it("rejects a timestamp too far in the future", async () => {
    const result = await signed(now + 60_001);
    expect(result).toEqual({ ok: false, reason: "timestamp is in the future" });
  });

  it("rejects a tampered body or a different URL", async () => {
    expect((await signed(now, { body: '[{"eventId":2}]' })).ok).toBe(false);
    expect((await signed(now, { url: "https://hub.example.com/webhooks/hubspot" })).ok).toBe(false);
  });

  it("rejects missing headers and malformed timestamps", async () => {
    const base = { method: "POST", url: URL_, rawBody: body, clientSecret: SECRET, now };
    expect((await verifyHubspotSignature({ ...base, headers: {} })).ok).toBe(false);
    const result = await verifyHubspotSignature({
      ...base,
      headers: { "x-hubspot-signature-v3": "abc", "x-hubspot-request-timestamp": "soon" },
    });
    expect(result.ok).toBe(false);
  });

  it("compares in constant time without false positives", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
  });
});

function event(overrides: Record<string, unknown> = {}) {
  return {
    eventId: 100,
    subscriptionId: 7,
    portalId: 62515,
    appId: 54321,
    occurredAt: 1_700_000_000_000,
    subscriptionType: "contact.propertyChange",
    attemptNumber: 0,
    objectId: 123,
    changeSource: "CRM_UI",
    propertyName: "email",
    propertyValue: "a@example.com",
    ...overrides,
  };
}

describe("parseHubspotWebhook", () => {
  it("maps each contact event type to a notice kind", () => {
    const notices = parseHubspotWebhook(
      JSON.stringify([
        event({ subscriptionType: "contact.creation", propertyName: undefined }),
        event({ subscriptionType: "contact.propertyChange" }),
        event({ subscriptionType: "contact.restore" }),
        event({ subscriptionType: "contact.associationChange" }),
        event({ subscriptionType: "contact.deletion" }),
        event({ subscriptionType: "contact.privacyDeletion" }),
        event({
          subscriptionType: "contact.merge",
          mergedObjectIds: [5, 6],
          newObjectId: 123,
          primaryObjectId: 5,
        }),
      ]),
    );
    expect(notices.map((n) => n.kind)).toEqual([
      "upsert",
      "upsert",
      "upsert",
      "upsert",
      "delete",
      "privacy_deletion",
      "merge",
    ]);
    expect(notices[0]).toMatchObject({
      system: "hubspot",
      object: "contact",
      externalId: "123",
      occurredAt: 1_700_000_000_000,
    });
    expect(notices[6]!.detail).toMatchObject({
      mergedObjectIds: [5, 6],
      newObjectId: 123,
      primaryObjectId: 5,
    });
  });

  it("keeps the event key stable across redeliveries and distinct per change", () => {
    const [first] = parseHubspotWebhook(JSON.stringify([event({ attemptNumber: 0 })]));
    const [retry] = parseHubspotWebhook(JSON.stringify([event({ attemptNumber: 3 })]));
    const [other] = parseHubspotWebhook(JSON.stringify([event({ propertyName: "firstname" })]));
    const [otherObject] = parseHubspotWebhook(JSON.stringify([event({ objectId: 124 })]));
    expect(retry!.eventKey).toBe(first!.eventKey);
    expect(other!.eventKey).not.toBe(first!.eventKey);
    expect(otherObject!.eventKey).not.toBe(first!.eventKey);
  });

  it("drops events for other objects without error", () => {
    const notices = parseHubspotWebhook(
      JSON.stringify([event({ subscriptionType: "company.creation" }), event()]),
    );
    expect(notices).toHaveLength(1);
  });

  it("names the offending field in a bad body", () => {
    expect(() => parseHubspotWebhook(JSON.stringify([event({ objectId: "abc" })]))).toThrow(
      /\[0\]\.objectId/,
    );
    expect(() =>
      parseHubspotWebhook(JSON.stringify([event(), event({ occurredAt: undefined })])),
    ).toThrow(/\[1\]\.occurredAt/);
    expect(() => parseHubspotWebhook('{"not":"an array"}')).toThrow(/HubSpot webhook body/);
    expect(() => parseHubspotWebhook("not json")).toThrow(/not valid JSON/);
  });
});
