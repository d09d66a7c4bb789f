import { describe, expect, it } from "vitest";
import type { ConsentStatement } from "../contract.ts";
import {
  type ConsentPurposeMapping,
  consentRecordStatements,
  DEFAULT_CONSENT_FIELDS,
  fieldStatements,
  planConsentWrite,
} from "./consent-map.ts";

const purposes: ConsentPurposeMapping[] = [
  { purpose: "newsletter", channel: "email", dataUsePurposeName: "Newsletter" },
  { purpose: "marketing", channel: "email", dataUsePurposeName: "Marketing" },
  { purpose: "marketing", channel: "sms", dataUsePurposeName: "Marketing SMS" },
];
const s = (over: Partial<ConsentStatement>): ConsentStatement => ({
  channel: "email",
  purpose: null,
  state: "opted_out",
  explicit: true,
  occurredAt: 1000,
  evidence: { kind: "hub" },
  ...over,
});
const plan = (...statements: ConsentStatement[]) =>
  planConsentWrite(statements, DEFAULT_CONSENT_FIELDS, purposes);
const statuses = (p: ReturnType<typeof plan>) =>
  p.purposes.map((x) => [x.mapping.channel, x.mapping.purpose, x.status]);

describe("planConsentWrite", () => {
  it("a channel opt-out with a box for the channel checks the box only", () => {
    expect(plan(s({}))).toEqual({ fields: { HasOptedOutOfEmail: true }, purposes: [] });
  });

  it("a channel opt-out without a box opts out of every purpose of the channel", () => {
    expect(statuses(plan(s({ channel: "sms" })))).toEqual([["sms", "marketing", "OptOut"]]);
  });

  it("a purpose opt-out never checks the channel-wide box", () => {
    const p = plan(s({ purpose: "newsletter" }));
    expect(p.fields).toEqual({});
    expect(statuses(p)).toEqual([["email", "newsletter", "OptOut"]]);
  });

  it("implicit opt-ins write nothing; explicit ones OptIn exactly their purpose or uncheck exactly their box", () => {
    expect(plan(s({ state: "opted_in", explicit: false, purpose: "newsletter" }))).toEqual({
      fields: {},
      purposes: [],
    });
    expect(plan(s({ state: "opted_in", explicit: false }))).toEqual({ fields: {}, purposes: [] });
    expect(plan(s({ state: "opted_in" }))).toEqual({
      fields: { HasOptedOutOfEmail: false },
      purposes: [],
    });
    const p = plan(s({ state: "opted_in", purpose: "marketing" }));
    expect(p.fields).toEqual({});
    expect(statuses(p)).toEqual([["email", "marketing", "OptIn"]]);
  });
});

describe("reading", () => {
  it("a checked box is explicit; an unchecked or missing one is implicit", () => {
    const out = fieldStatements(
      { Id: "00Q", SystemModstamp: "2024-05-01T00:00:00.000+0000", HasOptedOutOfEmail: true },
      DEFAULT_CONSENT_FIELDS,
    );
    expect(out.map((x) => [x.channel, x.state, x.explicit, x.occurredAt])).toEqual([
      ["email", "opted_out", true, Date.parse("2024-05-01T00:00:00Z")],
      ["phone", "opted_in", false, Date.parse("2024-05-01T00:00:00Z")],
    ]);
  });

  it("Seen and NotSeen records make no statement", () => {
    const ids = new Map([["Newsletter", "0ZW000000000001AAA"]]);
    for (const status of ["Seen", "NotSeen"]) {
      const record = {
        Id: "0ZY1",
        DataUsePurposeId: "0ZW000000000001AAA",
        ContactPointType: "Email",
        PrivacyConsentStatus: status,
      };
      expect(consentRecordStatements(record, purposes, ids, Date.now())).toEqual([]);
    }
  });
});
