import { describe, expect, it } from "vitest";
import type { EngagementEvent } from "../../connectors/contract.ts";
import { quintiles, rfmScores, rfmSegment } from "../../src/core/scoring/rfm.ts";
import { DAY, event, NOW } from "./fixtures.ts";

const buys = (daysAgo: number, count: number, amount: number | string): EngagementEvent[] =>
  Array.from({ length: count }, (_, i) =>
    event("purchase", NOW - (daysAgo + i * 400) * DAY, { detail: { amount } }),
  );

describe("rfm quintiles", () => {
  it("ranks into 1..5; ties share the lower score; recency lower is better", () => {
    expect(quintiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // [10, 10, 20]: strictly lower values 0, 0, 2 -> 1 + floor(5*0/3) = 1, 1, 1 + floor(10/3) = 4
    expect(quintiles([10, 10, 20])).toEqual([1, 1, 4]);
    // recency [1, 5, 30] days: strictly worse (older) 2, 1, 0 -> 1 + floor(10/3) = 4, 1 + floor(5/3) = 2, 1
    expect(quintiles([1, 5, 30], false)).toEqual([4, 2, 1]);
    expect(quintiles([7])).toEqual([1]);
  });

  it("segments from R and FM = round((F + M) / 2)", () => {
    expect(rfmSegment(5, 5, 4)).toBe("champions"); // FM = round(4.5) = 5
    expect(rfmSegment(4, 4, 4)).toBe("loyal");
    expect(rfmSegment(5, 2, 3)).toBe("potential loyalists"); // FM = round(2.5) = 3
    expect(rfmSegment(5, 1, 1)).toBe("new customers");
    expect(rfmSegment(2, 3, 4)).toBe("at risk"); // FM 4 (3.5 rounds up)
    expect(rfmSegment(1, 5, 5)).toBe("can't lose them");
    expect(rfmSegment(2, 1, 2)).toBe("hibernating"); // FM = round(1.5) = 2
    expect(rfmSegment(1, 1, 1)).toBe("lost");
  });
});

describe("rfmScores over a population", () => {
  // first purchase `daysAgo`, further ones 400 days apart (recency = the latest)
  const population = [
    { contactId: "c1", events: buys(1, 5, 200) }, // R 1 day, F 5, M 1000
    { contactId: "c2", events: buys(5, 1, "50") }, // R 5, F 1, M 50 (amount as text)
    { contactId: "c3", events: buys(200, 4, 200) }, // R 200, F 4, M 800
    { contactId: "c4", events: buys(30, 3, 100) }, // R 30, F 3, M 300
    { contactId: "c5", events: buys(400, 2, 50) }, // R 400, F 2, M 100
    { contactId: "c6", events: [event("page_view", NOW)] }, // no purchase
  ];
  const scores = rfmScores(population, NOW);

  it("scores five buyers 1..5 on each axis and skips non-buyers", () => {
    // recency 1 < 5 < 30 < 200 < 400 days -> R 5, 4, 3, 2, 1 (c1, c2, c4, c3, c5)
    // frequency c1 5 > c3 4 > c4 3 > c5 2 > c2 1; monetary 1000 > 800 > 300 > 100 > 50: same order
    expect(Object.fromEntries([...scores].map(([id, s]) => [id, s.code]))).toEqual({
      c1: "555",
      c2: "411",
      c3: "244",
      c4: "333",
      c5: "122",
    });
    expect(scores.has("c6")).toBe(false);
    expect(scores.get("c1")).toMatchObject({ recencyDays: 1, frequency: 5, monetary: 1000 });
    expect(scores.get("c2")!.monetary).toBe(50);
  });

  it("labels segments", () => {
    expect(Object.fromEntries([...scores].map(([id, s]) => [id, s.segment]))).toEqual({
      c1: "champions", // R5, FM 5
      c2: "new customers", // R4, FM 1
      c3: "at risk", // R2, FM 4
      c4: "potential loyalists", // R3, FM 3
      c5: "lost", // R1, FM 2
    });
  });
});
