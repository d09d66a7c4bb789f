import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConsentStatement } from "../../connectors/contract.ts";
import { type ConsentEvent, consentEventId, mergeConsent } from "../../src/core/consent.ts";
import { type ConsentSlot, planConsent, systemConsentOf } from "../../src/core/consent-plan.ts";

const HUBSPOT: ConsentSlot[] = [
  { channel: "email", purpose: null, optInNeedsLegalBasis: true },
  { channel: "email", purpose: "newsletter", optInNeedsLegalBasis: true },
];
const SALESFORCE: ConsentSlot[] = [
  { channel: "email", purpose: null, optInNeedsLegalBasis: false },
];

const stated = (
  source: ConsentEvent["source"],
  s: Partial<ConsentStatement> & Pick<ConsentStatement, "state" | "occurredAt">,
): ConsentEvent => {
  const statement: ConsentStatement = {
    channel: "email",
    purpose: null,
    explicit: true,
    evidence: { kind: "t" },
    ...s,
  };
  return { ...statement, source, id: consentEventId(source, statement) };
};

describe("consent plan", () => {
  it("an unsubscribe in HubSpot becomes an opt-out for Salesforce's channel-wide field", () => {
    const merged = mergeConsent([stated("hubspot", { state: "opted_out", occurredAt: 10 })]);
    const writes = planConsent(merged, new Map([["email/*", "opted_in"]]), SALESFORCE);
    expect(writes).toEqual([
      expect.objectContaining({
        channel: "email",
        purpose: null,
        state: "opted_out",
        explicit: true,
      }),
    ]);
  });

  it("unchecking HasOptedOutOfEmail (implicit) re-subscribes nobody in HubSpot", () => {
    const events = [
      stated("hubspot", { state: "opted_out", occurredAt: 10 }),
      stated("salesforce", { state: "opted_in", explicit: false, occurredAt: 20 }),
    ];
    const writes = planConsent(mergeConsent(events), new Map([["email/*", "opted_out"]]), HUBSPOT);
    expect(writes).toEqual([]);
  });

  it("writes nothing a system already shows, and no opt-in without a legal basis where one is required", () => {
    const optIn = stated("salesforce", { state: "opted_in", occurredAt: 5, purpose: "newsletter" });
    expect(planConsent(mergeConsent([optIn]), new Map(), HUBSPOT)).toEqual([]);
    const withBasis = stated("api", {
      state: "opted_in",
      occurredAt: 6,
      purpose: "newsletter",
      legalBasis: "CONSENT_WITH_NOTICE",
    });
    const plan = planConsent(mergeConsent([optIn, withBasis]), new Map(), HUBSPOT);
    expect(plan).toEqual([
      expect.objectContaining({
        purpose: "newsletter",
        state: "opted_in",
        legalBasis: "CONSENT_WITH_NOTICE",
      }),
    ]);
    expect(
      planConsent(
        mergeConsent([optIn, withBasis]),
        new Map([["email/newsletter", "opted_in"]]),
        HUBSPOT,
      ),
    ).toEqual([]);
  });

  it("puts opt-outs first", () => {
    const events = [
      stated("api", {
        state: "opted_in",
        occurredAt: 1,
        purpose: "newsletter",
        legalBasis: "CONSENT_WITH_NOTICE",
      }),
      stated("api", { state: "opted_out", occurredAt: 2, purpose: "marketing" }),
    ];
    const slots: ConsentSlot[] = [
      { channel: "email", purpose: "newsletter", optInNeedsLegalBasis: true },
      { channel: "email", purpose: "marketing", optInNeedsLegalBasis: true },
    ];
    expect(planConsent(mergeConsent(events), new Map(), slots).map((w) => w.state)).toEqual([
      "opted_out",
      "opted_in",
    ]);
  });

  it("property: after applying the plan, a system never shows opted-in where the merged state is opted-out", () => {
    const statement = fc.record({
      source: fc.constantFrom("hubspot" as const, "salesforce" as const, "api" as const),
      state: fc.constantFrom("opted_in" as const, "opted_out" as const),
      explicit: fc.boolean(),
      occurredAt: fc.integer({ min: 0, max: 30 }),
      purpose: fc.constantFrom<string | null>(null, "newsletter"),
      legalBasis: fc.constantFrom(undefined, "CONSENT_WITH_NOTICE" as const),
    });
    fc.assert(
      fc.property(
        fc.array(statement, { maxLength: 10 }),
        fc.array(statement, { maxLength: 4 }),
        (events, shown) => {
          const merged = mergeConsent(
            events.map(({ source, legalBasis, ...s }) =>
              stated(source, { ...s, ...(legalBasis ? { legalBasis } : {}) }),
            ),
          );
          const system = systemConsentOf(
            shown.map(({ source: _s, legalBasis: _l, ...s }) => ({
              ...s,
              channel: "email" as const,
              evidence: { kind: "t" },
            })),
          );
          for (const write of planConsent(merged, system, HUBSPOT))
            system.set(`email/${write.purpose ?? "*"}`, write.state);
          for (const slot of HUBSPOT) {
            const key = `email/${slot.purpose ?? "*"}`;
            const entry = merged.get(key) ?? (slot.purpose ? merged.get("email/*") : undefined);
            const effective =
              slot.purpose && merged.get("email/*")?.state === "opted_out"
                ? "opted_out"
                : entry?.state;
            const shows =
              system.get(key) ??
              (slot.purpose && system.get("email/*") === "opted_out" ? "opted_out" : undefined);
            if (effective === "opted_out") expect(shows).toBe("opted_out");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
