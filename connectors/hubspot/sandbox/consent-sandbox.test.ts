// biome-ignore-all lint/suspicious/noExplicitAny: tests read loosely typed JSON bodies
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHubspotWebhook } from "../webhooks.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./index.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

let sandbox: RunningHubspotSandbox;
let client: Client;
let receiver: TestReceiver;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.accessToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  receiver = await startTestReceiver();
  sandbox = await startHubspotSandbox({
    port: 0,
    webhookUrl: receiver.url,
    webhookBatchDelayMs: 5,
    seed: [{ email: "ann@example.com" }, { email: "bob@example.com" }],
  });
  client = new Client({ accessToken: sandbox.accessToken, basePath: sandbox.baseUrl });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

describe("communication preferences in the simulator", () => {
  it("lists the seeded subscription definitions through the SDK", async () => {
    const defs = await client.communicationPreferences.definitionApi.getPage();
    expect(defs.subscriptionDefinitions.map((d) => d.id)).toEqual(["1001", "1002", "1003"]);
  });

  it("v3 refuses to re-subscribe an opted-out email with a 400; v4 batch write can", async () => {
    const email = "ann@example.com";
    await client.communicationPreferences.statusApi.unsubscribe({
      emailAddress: email,
      subscriptionId: "1002",
    });
    const refused = await client.communicationPreferences.statusApi
      .subscribe({
        emailAddress: email,
        subscriptionId: "1002",
        legalBasis: "CONSENT_WITH_NOTICE" as never,
      })
      .then(
        () => undefined,
        (error: { code: number; body: any }) => error,
      );
    expect(refused?.code).toBe(400);
    expect(refused?.body.category).toBe("VALIDATION_ERROR");
    const written = await api(
      "POST",
      "/communication-preferences/v4/statuses/batch/write?channel=EMAIL",
      {
        inputs: [
          {
            subscriberIdString: email,
            subscriptionId: 1002,
            statusState: "SUBSCRIBED",
            channel: "EMAIL",
            legalBasis: "CONSENT_WITH_NOTICE",
            legalBasisExplanation: "asked again",
          },
        ],
      },
    );
    expect(written.status).toBe(200);
    expect(written.body.results[0]).toMatchObject({
      status: "SUBSCRIBED",
      setStatusSuccessReason: "RESUBSCRIBE_OCCURRED",
      legalBasis: "CONSENT_WITH_NOTICE",
    });
    const v3 = await client.communicationPreferences.statusApi.getEmailStatus(email);
    expect(v3.subscriptionStatuses.find((s) => s.id === "1002")?.status).toBe("SUBSCRIBED");
  });

  it("v4 batch write reports a subscribe without legal basis as a per-input error (207)", async () => {
    const written = await api(
      "POST",
      "/communication-preferences/v4/statuses/batch/write?channel=EMAIL",
      {
        inputs: [
          {
            subscriberIdString: "bob@example.com",
            subscriptionId: 1001,
            statusState: "SUBSCRIBED",
            channel: "EMAIL",
          },
          {
            subscriberIdString: "bob@example.com",
            subscriptionId: 1003,
            statusState: "UNSUBSCRIBED",
            channel: "EMAIL",
          },
        ],
      },
    );
    expect(written.status).toBe(207);
    expect(written.body.numErrors).toBe(1);
    expect(written.body.results).toHaveLength(1);
  });

  it("unsubscribe-all shows in the wide status and in v3 as PORTAL_WIDE_STATUS", async () => {
    const email = "bob@example.com";
    const done = await api(
      "POST",
      `/communication-preferences/v4/statuses/${email}/unsubscribe-all?channel=EMAIL`,
    );
    expect(done.status).toBe(200);
    const wide = await api(
      "POST",
      "/communication-preferences/v4/statuses/batch/unsubscribe-all/read?channel=EMAIL",
      {
        inputs: [email, "nobody@example.com"],
      },
    );
    expect(wide.body.results[0].wideStatuses[0]).toMatchObject({ status: "UNSUBSCRIBED" });
    expect(wide.body.results[1].wideStatuses).toEqual([]);
    const v3 = await client.communicationPreferences.statusApi.getEmailStatus(email);
    expect(v3.subscriptionStatuses.every((s) => s.sourceOfStatus === "PORTAL_WIDE_STATUS")).toBe(
      true,
    );
  });

  it("a status change by the person fires contact.propertyChange for the opt-out property", async () => {
    await sandbox.webhooksIdle();
    receiver.clear();
    const contact = sandbox.createContact({ email: "cat@example.com" });
    sandbox.setSubscription("cat@example.com", "1001", "UNSUBSCRIBED");
    sandbox.setSubscription("cat@example.com", "all", "UNSUBSCRIBED");
    await sandbox.webhooksIdle();
    const notices = receiver.received.flatMap((r) => parseHubspotWebhook(r.body));
    const consent = notices.filter((n) => n.detail?.consent === true);
    expect(
      consent.map((n) => [n.externalId, n.detail?.propertyName, n.detail?.propertyValue]),
    ).toEqual([
      [contact.id, "hs_email_optout_1001", "true"],
      [contact.id, "hs_email_optout", "true"],
    ]);
    expect(consent.every((n) => n.kind === "upsert" && n.detail?.changeSource === "CRM_UI")).toBe(
      true,
    );
  });

  it("every consent endpoint call is in the request log and rate-limited like the CRM", async () => {
    sandbox.clearRequests();
    await client.communicationPreferences.statusApi.getEmailStatus("ann@example.com");
    expect(sandbox.requests().map((r) => r.path)).toEqual([
      "/communication-preferences/v3/status/email/ann%40example.com",
    ]);
  });
});
