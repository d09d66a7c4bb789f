import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestReceiver, type TestReceiver } from "../hubspot/sandbox/test-receiver.ts";
import { startMarketoSandbox } from "./sandbox/index.ts";
import {
  MARKETO_WEBHOOK_SECRET_HEADER,
  MarketoWebhookError,
  parseMarketoWebhook,
} from "./webhooks.ts";

const SECRET = "correct horse battery staple";
const headers = { "X-Tsunagu-Webhook-Secret": SECRET, "content-type": "application/json" };
const body = JSON.stringify({
  leadId: "123",
  email: "a@example.com",
  changed: ["firstName", "unsubscribed"],
  trigger: "Data Value Changes",
  updatedAt: "2026-05-01T12:00:00Z",
  eventId: "evt-1",
});

function rejection(fn: () => unknown): MarketoWebhookError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MarketoWebhookError) return error;
    throw error;
  }
  throw new Error("expected a MarketoWebhookError");
}

describe("parseMarketoWebhook", () => {
  it("turns a verified delivery into an upsert notice for the lead", () => {
    expect(parseMarketoWebhook(headers, body, SECRET)).toEqual([
      {
        system: "marketo",
        object: "lead",
        externalId: "123",
        kind: "upsert",
        eventKey: "marketo:lead:123:evt-1",
        occurredAt: Date.parse("2026-05-01T12:00:00Z"),
        detail: {
          trigger: "Data Value Changes",
          changed: ["firstName", "unsubscribed"],
          consent: true,
        },
      },
    ]);
  });

  it("gives a repeated delivery the same key and a different change another", () => {
    const plain = (updatedAt: string) => JSON.stringify({ leadId: 7, updatedAt });
    const one = parseMarketoWebhook(headers, plain("2026-05-01T12:00:00Z"), SECRET)[0]!;
    const same = parseMarketoWebhook(
      new Headers(headers),
      JSON.parse(plain("2026-05-01T12:00:00Z")),
      SECRET,
    )[0]!;
    const other = parseMarketoWebhook(headers, plain("2026-05-01T12:00:01Z"), SECRET)[0]!;
    expect(same.eventKey).toBe(one.eventKey);
    expect(other.eventKey).not.toBe(one.eventKey);
    expect(one.eventKey).toMatch(/^marketo:lead:7:[0-9a-f]{16}$/);
  });

  it("accepts form-encoded bodies and comma-separated changed lists", () => {
    const [notice] = parseMarketoWebhook(headers, "leadId=55&changed=city,state", SECRET);
    expect(notice).toMatchObject({ externalId: "55", detail: { changed: ["city", "state"] } });
  });

  it("refuses a missing or wrong secret as unauthorized (401)", () => {
    const missing = rejection(() => parseMarketoWebhook({}, body, SECRET));
    expect(missing).toMatchObject({ reason: "unauthorized", status: 401 });
    const wrong = rejection(() =>
      parseMarketoWebhook({ [MARKETO_WEBHOOK_SECRET_HEADER]: "guess" }, body, SECRET),
    );
    expect(wrong.reason).toBe("unauthorized");
    expect(wrong.message).not.toContain(SECRET);
    expect(rejection(() => parseMarketoWebhook(headers, body, "")).reason).toBe("unauthorized");
  });

  it("refuses malformed bodies (400), after checking the secret", () => {
    for (const bad of ["{not json", "{}", JSON.stringify({ leadId: "abc" }), "[]", "[1]", "x=1"]) {
      expect(rejection(() => parseMarketoWebhook(headers, bad, SECRET))).toMatchObject({
        reason: "malformed",
        status: 400,
      });
    }
    expect(rejection(() => parseMarketoWebhook({}, "{not json", SECRET)).reason).toBe(
      "unauthorized",
    );
  });
});

describe("simulator deliveries", () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver("/webhooks/marketo");
  });
  afterAll(() => receiver.close());

  it("parse into one notice per change, with distinct keys", async () => {
    const sandbox = await startMarketoSandbox({
      port: 0,
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
    });
    try {
      const lead = sandbox.createLead({ email: "hook@example.com" });
      sandbox.updateLead(lead.id, { firstName: "H" });
      await sandbox.webhooksIdle();
      const notices = receiver.received.flatMap((r) =>
        parseMarketoWebhook(r.headers as Record<string, string>, r.body, SECRET),
      );
      expect(notices.map((n) => n.externalId)).toEqual([String(lead.id), String(lead.id)]);
      expect(new Set(notices.map((n) => n.eventKey)).size).toBe(2);
      expect(notices[1]!.detail).toMatchObject({ changed: ["firstName"] });
    } finally {
      await sandbox.close();
    }
  });
});
