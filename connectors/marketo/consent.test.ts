import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConsentStatement } from "../contract.ts";
import { DEFAULT_CONSENT_FIELDS, leadStatements, planConsentFields } from "./consent-map.ts";
import type { MarketoConnector } from "./index.ts";
import type { RunningMarketoSandbox } from "./sandbox/index.ts";
import { startTestInstance } from "./test-instance.ts";

const OPTIONS = { fields: DEFAULT_CONSENT_FIELDS, marketingSuspendedAsOptOut: false };
const at = Date.parse("2026-05-01T12:34:56Z");
const statement = (s: Partial<ConsentStatement>): ConsentStatement => ({
  channel: "email",
  purpose: null,
  state: "opted_out",
  explicit: true,
  occurredAt: at,
  evidence: { kind: "hub" },
  ...s,
});

describe("consent mapping", () => {
  it("unsubscribed is an explicit channel-wide email opt-out as of updatedAt", () => {
    const lead = {
      id: 1,
      updatedAt: "2026-05-01T12:34:56Z",
      unsubscribed: true,
      unsubscribedReason: "Unsubscribe link",
    };
    expect(leadStatements(lead, OPTIONS)).toEqual([
      {
        channel: "email",
        purpose: null,
        state: "opted_out",
        explicit: true,
        occurredAt: at,
        evidence: { kind: "marketo_field", ref: "unsubscribed", note: "Unsubscribe link" },
      },
    ]);
  });

  it("unsubscribed false only implies consent, and emailInvalid is never a statement", () => {
    const [s, ...rest] = leadStatements(
      { id: 1, updatedAt: "2026-05-01T12:34:56Z", unsubscribed: false, emailInvalid: true },
      OPTIONS,
    );
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ state: "opted_in", explicit: false });
  });

  it("marketingSuspended is an implicit opt-out only when configured", () => {
    const lead = { id: 1, updatedAt: "2026-05-01T12:34:56Z", marketingSuspended: true };
    expect(leadStatements(lead, OPTIONS)).toHaveLength(1);
    expect(leadStatements(lead, { ...OPTIONS, marketingSuspendedAsOptOut: true })[1]).toMatchObject(
      {
        channel: "email",
        purpose: null,
        state: "opted_out",
        explicit: false,
        evidence: { ref: "marketingSuspended" },
      },
    );
  });

  it("plans writes: opt-outs set the field, only explicit channel-wide opt-ins clear it", () => {
    const fields = [
      ...DEFAULT_CONSENT_FIELDS,
      { field: "newsletterOptOut", channel: "email" as const, purpose: "newsletter" },
    ];
    expect(planConsentFields([statement({})], fields)).toEqual({ unsubscribed: true });
    expect(planConsentFields([statement({ state: "opted_in", explicit: false })], fields)).toEqual(
      {},
    );
    expect(planConsentFields([statement({ state: "opted_in" })], fields)).toEqual({
      unsubscribed: false,
    });
    expect(
      planConsentFields([statement({ purpose: "newsletter", state: "opted_out" })], fields),
    ).toEqual({ newsletterOptOut: true });
    // A per-purpose opt-in never lifts the channel-wide unsubscribe.
    expect(
      planConsentFields([statement({ purpose: "marketing", state: "opted_in" })], fields),
    ).toEqual({});
    expect(planConsentFields([statement({ channel: "sms" })], fields)).toEqual({});
  });
});

describe("readConsent / writeConsent against the simulator", () => {
  let sandbox: RunningMarketoSandbox;
  let connector: MarketoConnector;
  beforeAll(async () => {
    ({ sandbox, connector } = await startTestInstance());
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.clearRequests());

  it("reads an unsubscribe link click as an explicit opt-out; missing leads are absent", async () => {
    const lead = sandbox.createLead({ email: "u@example.com" });
    const other = sandbox.createLead({ email: "v@example.com" });
    sandbox.unsubscribeLead(lead.id);
    const records = await connector.readConsent([
      { object: "lead", externalId: String(lead.id), email: "u@example.com" },
      { object: "lead", externalId: String(other.id) },
      { object: "lead", externalId: "987654" },
    ]);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      externalId: String(lead.id),
      email: "u@example.com",
      statements: [
        {
          state: "opted_out",
          explicit: true,
          evidence: { ref: "unsubscribed", note: "Unsubscribe link" },
        },
      ],
    });
    expect(records[1]!.statements[0]).toMatchObject({ state: "opted_in", explicit: false });
  });

  it("writes only changes, never opts in from an implicit statement", async () => {
    const lead = sandbox.createLead({ email: "w@example.com" });
    const ref = { object: "lead", externalId: String(lead.id) };
    const optOut = await connector.writeConsent([
      { ...ref, ref: "1", statements: [statement({})] },
      { object: "lead", externalId: "987654", ref: "2", statements: [statement({})] },
    ]);
    expect(optOut).toEqual([
      { ref: "1", ok: true, externalId: String(lead.id), created: false },
      {
        ref: "2",
        ok: false,
        externalId: "987654",
        error: { code: "1004", message: "Lead not found", retryable: false },
      },
    ]);
    expect(sandbox.getLead(lead.id)!.unsubscribed).toBe(true);
    sandbox.clearRequests();
    const again = await connector.writeConsent([{ ...ref, ref: "3", statements: [statement({})] }]);
    expect(again[0]).toMatchObject({ ok: true });
    expect(sandbox.requests().filter((r) => r.method === "POST")).toEqual([]);
    await connector.writeConsent([
      { ...ref, ref: "4", statements: [statement({ state: "opted_in", explicit: false })] },
    ]);
    expect(sandbox.getLead(lead.id)!.unsubscribed).toBe(true);
    await connector.writeConsent([
      { ...ref, ref: "5", statements: [statement({ state: "opted_in", explicit: true })] },
    ]);
    expect(sandbox.getLead(lead.id)!.unsubscribed).toBe(false);
  });
});
