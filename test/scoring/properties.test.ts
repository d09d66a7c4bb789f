import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../connectors/contract.ts";
import { scoreContact } from "../../src/core/scoring/score.ts";
import { BASE, DAY, MINUTE, NOW, rules } from "./fixtures.ts";

// Positive rules only (the bounce rule is negative: its decay raises the score by design).
// A fast-decaying click rule (half-life 15 minutes) makes minute-level dedupe choices visible.
const POSITIVE = rules({
  engagement: [
    { name: "click", type: "email_click", points: 30, halfLifeDays: 15 / (24 * 60) },
    ...BASE.engagement!.filter((r) => r.points > 0),
  ],
});

const types = ["form_submit", "page_view", "email_click"] as const;
const urls = ["https://a.io/pricing", "https://a.io/pricing/plans", "https://a.io/blog", undefined];

const eventArb = fc.record({
  type: fc.constantFrom(...types),
  url: fc.constantFrom(...urls),
  title: fc.constantFrom("Demo", "Newsletter", undefined),
  system: fc.constantFrom("hubspot" as const, "marketo" as const),
  // up to 120 days back, at minute resolution so dedupe windows come into play
  ageMinutes: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 120 * 24 * 60 })),
});
type Spec = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

const toEvents = (specs: Spec[]): EngagementEvent[] =>
  specs.map((s, i) => ({
    key: `e${i}`,
    system: s.system,
    type: s.type,
    person: { object: "contact", externalId: "p" },
    occurredAt: NOW - s.ageMinutes * MINUTE,
    ...(s.title === undefined ? {} : { title: s.title }),
    detail: s.url === undefined ? ({} as Record<string, string>) : { url: s.url },
  }));

const score = (events: EngagementEvent[], now = NOW) =>
  scoreContact({ attributes: { title: "VP Sales" }, events, now, rules: POSITIVE });

describe("properties", () => {
  it("dedupe keeps the newest copies, so an older duplicate cannot displace a newer event", () => {
    const click = (minute: number, key: string): EngagementEvent => ({
      key,
      system: "hubspot",
      type: "email_click",
      person: { object: "contact", externalId: "p" },
      occurredAt: NOW - 60 * MINUTE + minute * MINUTE,
      detail: { url: "https://a.io/x" },
    });
    const base = [click(5, "a"), click(14, "b"), click(20, "c")];
    // newest first: 20 kept, 14 dropped (6 min < 10), 5 kept (15 min) -> {5, 20};
    // adding 0 (5 min before 5) changes nothing. Chaining from the oldest instead would keep
    // {0, 14}: older events, fewer decayed points.
    const before = score(base);
    const after = score([...base, click(0, "d")]);
    expect(after.engagement).toBe(before.engagement);
  });

  it("adding an event with positive points never lowers the engagement score", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), eventArb, (specs, extra) => {
        const before = score(toEvents(specs));
        const after = score(toEvents([...specs, extra]));
        expect(after.engagement).toBeGreaterThanOrEqual(before.engagement);
        expect(after.total).toBeGreaterThanOrEqual(before.total);
      }),
      { numRuns: 300 },
    );
  });

  it("decay never increases a score as now moves forward", () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 40 }),
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 0, max: 400 * DAY }),
        (specs, a, b) => {
          const events = toEvents(specs);
          const earlier = score(events, NOW + Math.min(a, b));
          const later = score(events, NOW + Math.max(a, b));
          expect(later.engagement).toBeLessThanOrEqual(earlier.engagement);
          expect(later.total).toBeLessThanOrEqual(earlier.total);
        },
      ),
      { numRuns: 300 },
    );
  });
});
