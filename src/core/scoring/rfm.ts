import type { EngagementEvent } from "../../../connectors/contract.ts";

/**
 * RFM over a population's purchase events (`type: "purchase"`, `detail.amount` a number or
 * numeric text; a missing amount counts as a purchase worth 0).
 *
 * - Recency = whole days since the last purchase (fewer is better), frequency = number of
 *   purchases, monetary = sum of amounts.
 * - Quintile scores 1–5 are ranks within the population: a value scores
 *   `1 + floor(5 * worse / n)`, where `worse` is how many buyers have a strictly worse
 *   value and n the number of buyers. Ties share the lower score; with 5 distinct buyers
 *   the scores are exactly 1..5; with 10, two buyers per score.
 * - Segment from R and FM = round((F + M) / 2), the usual R×FM grid (rows R, columns FM 1..5):
 *
 *       R5  new customers  potential loyalists  potential loyalists  champions  champions
 *       R4  new customers  potential loyalists  potential loyalists  loyal      loyal
 *       R3  hibernating    hibernating          potential loyalists  loyal      loyal
 *       R2  hibernating    hibernating          at risk              at risk    can't lose them
 *       R1  lost           lost                 at risk              at risk    can't lose them
 *
 * Contacts without purchases are absent from the result.
 */

export type RfmSegment =
  | "champions"
  | "loyal"
  | "potential loyalists"
  | "new customers"
  | "at risk"
  | "can't lose them"
  | "hibernating"
  | "lost";

export interface RfmScore {
  recencyDays: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
  /** "545": R, F and M digits. */
  code: string;
  segment: RfmSegment;
}

const GRID: readonly (readonly RfmSegment[])[] = [
  ["lost", "lost", "at risk", "at risk", "can't lose them"],
  ["hibernating", "hibernating", "at risk", "at risk", "can't lose them"],
  ["hibernating", "hibernating", "potential loyalists", "loyal", "loyal"],
  ["new customers", "potential loyalists", "potential loyalists", "loyal", "loyal"],
  ["new customers", "potential loyalists", "potential loyalists", "champions", "champions"],
];

export function rfmSegment(r: number, f: number, m: number): RfmSegment {
  const fm = Math.round((f + m) / 2);
  return GRID[r - 1]![fm - 1]!;
}

const DAY_MS = 86_400_000;

function amountOf(event: EngagementEvent): number {
  const raw = event.detail.amount;
  const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : 0;
  return Number.isFinite(n) ? n : 0;
}

/** Quintile (1–5) of each value; `higherIsBetter` false for recency. O(n log n). */
export function quintiles(values: readonly number[], higherIsBetter = true): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  // First index in `sorted` whose value is >= (or > with `after`) the given one.
  const bound = (value: number, after: boolean) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < value || (after && sorted[mid] === value)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return values.map((value) => {
    const worse = higherIsBetter ? bound(value, false) : n - bound(value, true);
    return 1 + Math.floor((5 * worse) / n);
  });
}

export function rfmScores(
  population: ReadonlyArray<{ contactId: string; events: readonly EngagementEvent[] }>,
  now: number,
): Map<string, RfmScore> {
  const buyers: Array<{
    contactId: string;
    recencyDays: number;
    frequency: number;
    monetary: number;
  }> = [];
  for (const { contactId, events } of population) {
    const purchases = events.filter((event) => event.type === "purchase");
    if (purchases.length === 0) continue;
    const last = Math.max(...purchases.map((event) => event.occurredAt));
    buyers.push({
      contactId,
      recencyDays: Math.max(0, Math.floor((now - last) / DAY_MS)),
      frequency: purchases.length,
      monetary: Math.round(purchases.reduce((sum, event) => sum + amountOf(event), 0) * 100) / 100,
    });
  }
  const r = quintiles(
    buyers.map((b) => b.recencyDays),
    false,
  );
  const f = quintiles(buyers.map((b) => b.frequency));
  const m = quintiles(buyers.map((b) => b.monetary));
  const scores = new Map<string, RfmScore>();
  buyers.forEach((buyer, i) => {
    const [ri, fi, mi] = [r[i]!, f[i]!, m[i]!];
    scores.set(buyer.contactId, {
      ...buyer,
      r: ri,
      f: fi,
      m: mi,
      code: `${ri}${fi}${mi}`,
      segment: rfmSegment(ri, fi, mi),
    });
  });
  return scores;
}
