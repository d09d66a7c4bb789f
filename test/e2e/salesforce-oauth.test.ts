import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import {
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { realSystemsEnv, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let hs: RunningHubspotSandbox;
let sf: RunningSalesforceSandbox;
let t: TestHub;
beforeAll(async () => {
  [hs, sf] = await Promise.all([
    startHubspotSandbox({ port: 0 }),
    startSalesforceSandbox({ port: 0 }),
  ]);
  t = await startTestHub({
    env: {
      ...realSystemsEnv(hs, sf),
      // Client credentials instead of a session token.
      SALESFORCE_INSTANCE_URL: "",
      SALESFORCE_ACCESS_TOKEN: "",
      SALESFORCE_LOGIN_URL: sf.baseUrl,
      SALESFORCE_CLIENT_ID: sf.clientId,
      SALESFORCE_CLIENT_SECRET: sf.clientSecret,
    },
  });
  hs.setWebhookTarget(`${t.hub.url}/webhooks/hubspot`);
});
afterAll(async () => {
  await t?.close();
  await Promise.all([hs?.close(), sf?.close()]);
});

const reachesSalesforce = (email: string) =>
  waitFor(async () =>
    (await t.api(`/v1/contacts?email=${email}`)).body.results[0]?.sources.some(
      (s: { system: string }) => s.system === "salesforce",
    ),
  );

describe("Salesforce through OAuth client credentials", () => {
  it("logs in on first use and renews an expired session without losing the write", async () => {
    hs.createContact({ email: "oauth.one@example.com", lastname: "One" });
    await reachesSalesforce("oauth.one@example.com");
    const tokenCalls = () =>
      sf.requests().filter((r) => r.path.startsWith("/services/oauth2/token")).length;
    expect(tokenCalls()).toBe(1);

    sf.expireSessions();
    hs.createContact({ email: "oauth.two@example.com", lastname: "Two" });
    await reachesSalesforce("oauth.two@example.com");
    expect(tokenCalls()).toBe(2);
    expect(t.logs.join("\n")).not.toContain(sf.clientSecret);
  });
});
