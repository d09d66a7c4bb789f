import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mappingsModule } from "../../src/runtime/workers/bundle-mappings.ts";
import { createPermits } from "../../src/runtime/workers/permits.ts";
import { MAPPINGS_DIR } from "../helpers/mappings.ts";

describe("fleet permits (the RateGate Durable Object's rule)", () => {
  it("never lets more calls reach the API in any rolling window, or more be in flight, than the limits, whenever each call arrives between its start and its end", () => {
    fc.assert(
      fc.property(
        fc.record({
          requests: fc.integer({ min: 1, max: 8 }),
          perMs: fc.integer({ min: 10, max: 500 }),
          concurrency: fc.integer({ min: 1, max: 4 }),
        }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 60 }),
            hold: fc.integer({ min: 1, max: 200 }),
          }),
          {
            maxLength: 200,
          },
        ),
        (limits, calls) => {
          let n = 0;
          const permits = createPermits(() => `lease-${n++}`);
          const granted: number[] = [];
          const releases: { start: number; at: number; lease: string; done?: boolean }[] = [];
          let now = 0;
          for (const call of calls) {
            now += call.gap;
            for (const r of releases.filter((x) => x.at <= now && !x.done)) {
              permits.release(r.lease, r.at);
              r.done = true;
            }
            const answer = permits.acquire({ ...limits, leaseMs: 10_000 }, now);
            if ("lease" in answer) {
              granted.push(now);
              releases.push({ start: now, at: now + call.hold, lease: answer.lease });
              const inFlight = releases.filter((r) => r.at > now).length;
              expect(inFlight).toBeLessThanOrEqual(limits.concurrency);
            } else {
              expect(answer.waitMs).toBeGreaterThan(0);
            }
          }
          // Any window [t, t + perMs) that a call's [start, end] touches could see it arrive:
          // windows starting at each call's start or end are the ones that hold the most.
          const edges = releases.flatMap((r) => [r.start, r.at - limits.perMs, r.at]);
          for (const t of edges) {
            const touching = releases.filter((r) => r.start < t + limits.perMs && r.at >= t);
            expect(touching.length).toBeLessThanOrEqual(limits.requests);
          }
        },
      ),
    );
  });

  it("gives a slot back when a holder never releases it, once its lease runs out", () => {
    const permits = createPermits(() => "only");
    const limits = { requests: 100, perMs: 1000, concurrency: 1, leaseMs: 5000 };
    expect(permits.acquire(limits, 0)).toEqual({ lease: "only" });
    expect(permits.acquire(limits, 4000)).toHaveProperty("waitMs");
    expect(permits.acquire(limits, 5000)).toEqual({ lease: "only" });
  });
});

describe("the Worker's bundled mappings", () => {
  it("match the mappings folder (run `npm run workers:mappings` after editing it)", () => {
    const committed = readFileSync(
      new URL("../../src/runtime/workers/mappings.generated.ts", import.meta.url),
      "utf8",
    );
    expect(committed).toBe(mappingsModule(MAPPINGS_DIR));
  });
});
