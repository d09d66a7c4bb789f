import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsentStatement } from "../contract.ts";
import { createHubspotConnector } from "./index.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./sandbox/index.ts";

const SUBSCRIPTIONS = [
  { subscriptionId: "1001", channel: "email" as const, purpose: "marketing" },
  { subscriptionId: "1002", channel: "email" as const, purpose: "newsletter" },
  { subscriptionId: "1003", channel: "email" as const, purpose: "product" },
];
const V4 = "/communication-preferences/v4/statuses";

let sandbox: RunningHubspotSandbox;
let ids: Record<string, string>;

const connector = () =>
  createHubspotConnector({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    properties: ["email"],
    consent: { subscriptions: SUBSCRIPTIONS },
    retry: { attempts: 2, baseMs: 10 },
  });

const ref = (name: string) => ({
  object: "contact",
  externalId: ids[name]!,
  email: `${name}@example.com`,
});

const optIn = (purpose: string, legalBasis?: ConsentStatement["legalBasis"]): ConsentStatement => ({
  channel: "email",
  purpose,
  state: "opted_in",
  explicit: true,
  ...(legalBasis ? { legalBasis } : {}),
  occurredAt: Date.now(),
  evidence: { kind: "form", note: "signed up on the website" },
});

beforeAll(async () => {
  sandbox = await startHubspotSandbox({
    port: 0,
    seed: ["ann", "bob", "cat", "dan"].map((n) => ({ email: `${n}@example.com` })),
  });
  ids = {};
  for (const n of ["ann", "bob", "cat", "dan"]) {
    const found = await connector().findByEmails([`${n}@example.com`]);
    ids[n] = found[0]!.externalId;
  }
});
afterAll(() => sandbox.close());

describe("readConsent", () => {
  it("maps SUBSCRIBED to an explicit opt-in with its legal basis, UNSUBSCRIBED to an opt-out, and skips NOT_SPECIFIED", async () => {
    sandbox.setSubscription("ann@example.com", "1001", "SUBSCRIBED", "LEGITIMATE_INTEREST_CLIENT");
    sandbox.setSubscription("ann@example.com", "1002", "UNSUBSCRIBED");
    const [record] = await connector().readConsent([ref("ann")]);
    const byPurpose = Object.fromEntries(record!.statements.map((s) => [s.purpose, s]));
    expect(Object.keys(byPurpose).sort()).toEqual(["marketing", "newsletter"]);
    expect(byPurpose.marketing).toMatchObject({
      channel: "email",
      state: "opted_in",
      explicit: true,
      legalBasis: "LEGITIMATE_INTEREST_CLIENT",
      evidence: { kind: "hubspot_subscription_status", ref: "1001" },
    });
    expect(byPurpose.newsletter).toMatchObject({ state: "opted_out", explicit: true });
    expect(byPurpose.marketing!.occurredAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it("reports unsubscribe-from-all as one purpose:null opt-out", async () => {
    sandbox.setSubscription("bob@example.com", "all", "UNSUBSCRIBED");
    const [record] = await connector().readConsent([{ object: "contact", externalId: ids.bob! }]);
    expect(record!.email).toBe("bob@example.com");
    expect(record!.statements).toEqual([
      expect.objectContaining({
        purpose: null,
        state: "opted_out",
        explicit: true,
        evidence: expect.objectContaining({ ref: "all" }),
      }),
    ]);
  });

  it("uses two v4 batch calls for many contacts", async () => {
    sandbox.clearRequests();
    await connector().readConsent(["ann", "bob", "cat", "dan"].map(ref));
    expect(sandbox.requests().map((r) => r.path)).toEqual([
      `${V4}/batch/read?channel=EMAIL`,
      `${V4}/batch/unsubscribe-all/read?channel=EMAIL`,
    ]);
  });

  it("falls back to v3 per email when the portal lacks the v4 batch scopes (403)", async () => {
    sandbox.injectFault({ status: 403, times: 1, pathPrefix: `${V4}/batch/read` });
    const hub = connector();
    const [ann, bob] = await hub.readConsent([ref("ann"), ref("bob")]);
    expect(ann!.statements.find((s) => s.purpose === "marketing")).toMatchObject({
      state: "opted_in",
      legalBasis: "LEGITIMATE_INTEREST_CLIENT",
    });
    expect(bob!.statements).toEqual([
      expect.objectContaining({ purpose: null, state: "opted_out" }),
    ]);
    sandbox.clearRequests();
    await hub.readConsent([ref("cat")]);
    expect(sandbox.requests().map((r) => r.path)).toEqual([
      "/communication-preferences/v3/status/email/cat%40example.com",
    ]);
  });
});

describe("writeConsent", () => {
  it("re-subscribes an opted-out contact through v4 with the statement's legal basis", async () => {
    sandbox.setSubscription("cat@example.com", "1002", "UNSUBSCRIBED");
    const results = await connector().writeConsent([
      { ...ref("cat"), ref: "g1", statements: [optIn("newsletter", "CONSENT_WITH_NOTICE")] },
    ]);
    expect(results).toEqual([{ ref: "g1", ok: true, externalId: ids.cat }]);
    expect(sandbox.getSubscriptions("cat@example.com")["1002"]).toEqual({
      status: "SUBSCRIBED",
      legalBasis: "CONSENT_WITH_NOTICE",
    });
  });

  it("an opt-in without legal basis is a per-record error and makes no call", async () => {
    sandbox.clearRequests();
    const results = await connector().writeConsent([
      { ...ref("dan"), ref: "g2", statements: [optIn("marketing")] },
    ]);
    expect(results[0]).toMatchObject({
      ref: "g2",
      ok: false,
      error: { code: "LEGAL_BASIS_REQUIRED", retryable: false },
    });
    expect(sandbox.requests()).toHaveLength(0);
  });

  it("writes opt-outs in one batch, purpose:null through unsubscribe-all, one result per op in order", async () => {
    sandbox.clearRequests();
    const optOut = (purpose: string | null): ConsentStatement => ({
      channel: "email",
      purpose,
      state: "opted_out",
      explicit: true,
      occurredAt: Date.now(),
      evidence: { kind: "unsubscribe_link" },
    });
    const results = await connector().writeConsent([
      { ...ref("dan"), ref: "a", statements: [optOut("marketing"), optOut("product")] },
      { ...ref("cat"), ref: "b", statements: [optOut(null)] },
      { ...ref("ann"), ref: "c", statements: [optOut("unknown")] },
    ]);
    expect(results.map((r) => [r.ref, r.ok, r.error?.code])).toEqual([
      ["a", true, undefined],
      ["b", true, undefined],
      ["c", false, "UNKNOWN_PURPOSE"],
    ]);
    expect(sandbox.getSubscriptions("dan@example.com")).toEqual({
      "1001": { status: "UNSUBSCRIBED" },
      "1003": { status: "UNSUBSCRIBED" },
    });
    expect(sandbox.getSubscriptions("cat@example.com").all).toEqual({ status: "UNSUBSCRIBED" });
    expect(sandbox.requests().map((r) => r.path)).toEqual([
      `${V4}/batch/write?channel=EMAIL`,
      `${V4}/cat%40example.com/unsubscribe-all?channel=EMAIL`,
    ]);
  });
});
