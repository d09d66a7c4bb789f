import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConsentEvent,
  consentEventId,
  effectiveConsent,
  mergeConsent,
} from "../../src/core/consent.ts";

const event = (
  e: Partial<ConsentEvent> & Pick<ConsentEvent, "state" | "occurredAt">,
): ConsentEvent => {
  const base = {
    channel: "email" as const,
    purpose: "newsletter",
    explicit: true,
    evidence: { kind: "test" },
    source: "hubspot" as const,
    ...e,
  };
  return { ...base, id: e.id ?? consentEventId(base.source, base) };
};
const stateOf = (events: ConsentEvent[], purpose: string | null = "newsletter") =>
  effectiveConsent(mergeConsent(events), "email", purpose).state;

describe("consent merge rules", () => {
  it("the newest explicit statement wins", () => {
    expect(
      stateOf([
        event({ state: "opted_out", occurredAt: 1 }),
        event({ state: "opted_in", occurredAt: 2 }),
      ]),
    ).toBe("opted_in");
    expect(
      stateOf([
        event({ state: "opted_in", occurredAt: 1 }),
        event({ state: "opted_out", occurredAt: 2 }),
      ]),
    ).toBe("opted_out");
  });

  it("an opt-out is never overwritten by an equal-time opt-in", () => {
    expect(
      stateOf([
        event({ state: "opted_out", occurredAt: 5 }),
        event({ state: "opted_in", occurredAt: 5, source: "salesforce" }),
      ]),
    ).toBe("opted_out");
  });

  it("an implicit opt-in (an unchecked HasOptedOutOfEmail) never re-subscribes anyone, however new", () => {
    const optOut = event({ state: "opted_out", occurredAt: 1, purpose: null, source: "hubspot" });
    const implicit = event({
      state: "opted_in",
      occurredAt: 99,
      purpose: null,
      explicit: false,
      source: "salesforce",
    });
    expect(stateOf([optOut, implicit], null)).toBe("opted_out");
    expect(stateOf([implicit], null)).toBe("unknown");
  });

  it("a channel-wide opt-out beats a newer per-purpose opt-in until a newer explicit channel-wide opt-in", () => {
    const globalOut = event({ state: "opted_out", occurredAt: 10, purpose: null });
    const purposeIn = event({
      state: "opted_in",
      occurredAt: 20,
      legalBasis: "CONSENT_WITH_NOTICE",
    });
    expect(stateOf([globalOut, purposeIn])).toBe("opted_out");
    expect(stateOf([globalOut, purposeIn], "product_updates")).toBe("opted_out");
    const globalIn = event({
      state: "opted_in",
      occurredAt: 30,
      purpose: null,
      legalBasis: "CONSENT_WITH_NOTICE",
    });
    expect(stateOf([globalOut, purposeIn, globalIn])).toBe("opted_in");
    expect(stateOf([globalOut, purposeIn, globalIn], "product_updates")).toBe("unknown");
  });

  it("the same statement seen twice has the same id", () => {
    const a = event({
      state: "opted_out",
      occurredAt: 3,
      evidence: { kind: "hubspot_subscription_status", ref: "1002" },
    });
    const b = event({
      state: "opted_out",
      occurredAt: 3,
      evidence: { kind: "hubspot_subscription_status", ref: "1002" },
    });
    expect(a.id).toBe(b.id);
  });
});

const arbitraryEvent = fc
  .record({
    state: fc.constantFrom("opted_in" as const, "opted_out" as const),
    occurredAt: fc.integer({ min: 0, max: 20 }),
    purpose: fc.constantFrom<string | null>(null, "newsletter", "marketing"),
    explicit: fc.boolean(),
    source: fc.constantFrom("hubspot" as const, "salesforce" as const, "api" as const),
  })
  .map((e) => event(e));

describe("consent merge properties", () => {
  it("for any events, duplicates and order: no purpose is opted in when the newest explicit statement about it, or about its channel, is an opt-out", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (events, dupes) => {
          const delivered = [
            ...events,
            ...dupes.filter((i) => i < events.length).map((i) => events[i]!),
          ];
          const shuffled = [...delivered].sort((a, b) => a.id.localeCompare(b.id));
          const merged = mergeConsent(shuffled);
          expect(mergeConsent(delivered)).toEqual(merged);
          for (const purpose of ["newsletter", "marketing", null]) {
            const relevant = events.filter(
              (e) => e.purpose === purpose || (purpose !== null && e.purpose === null),
            );
            const newestOptOut = Math.max(
              -1,
              ...relevant.filter((e) => e.state === "opted_out").map((e) => e.occurredAt),
            );
            const newestOptIn = Math.max(
              -1,
              ...relevant
                .filter((e) => e.state === "opted_in" && e.explicit)
                .map((e) => e.occurredAt),
            );
            const state = effectiveConsent(merged, "email", purpose).state;
            if (newestOptOut >= 0 && newestOptOut >= newestOptIn) expect(state).toBe("opted_out");
            if (state === "opted_in") {
              expect(newestOptIn).toBeGreaterThan(newestOptOut);
              const globalOut = events
                .filter((e) => e.purpose === null && e.state === "opted_out")
                .map((e) => e.occurredAt);
              const globalIn = events
                .filter((e) => e.purpose === null && e.state === "opted_in" && e.explicit)
                .map((e) => e.occurredAt);
              if (globalOut.length > 0)
                expect(Math.max(...globalIn)).toBeGreaterThan(Math.max(...globalOut));
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
