import { describe, expect, it } from "vitest";
import type { Contact } from "../../src/core/contact.ts";
import { rescore, scoreFields } from "../../src/core/scoring/publish.ts";
import { DAY, event, NOW, rules } from "./fixtures.ts";

const person = (title: string): Contact => ({
  id: "p1",
  golden: {
    title: { value: title, system: "hubspot", at: 0 },
    email: { value: "ada@acme.example", system: "hubspot", at: 0 },
  },
  links: [],
  createdAt: 0,
  updatedAt: 0,
});

describe("what other systems are given of a score", () => {
  const r = rules();
  // title: VP +20 (fit 20: grade C); a form 30 days ago at half-life 30: 50 -> 25. Total 45.
  const form = event("form_submit", NOW - 30 * DAY);

  it("publishes the first score, then only changes of at least meaningfulChange points, or of grade or stage", () => {
    const first = rescore(person("VP Sales"), [form], r, NOW);
    expect(first.current).toMatchObject({ fit: 20, engagement: 25, total: 45, grade: "C" });
    expect(first.published).toEqual({
      total: 45,
      grade: "C",
      lifecycleStage: "lead",
      summary: "45 (C) – form +25, title: VP +20",
    });
    // Six days later the form is worth 50 * 0.5^(36/30) = 21.8: total 42, a change of 3 < 5.
    const later = rescore({ ...person("VP Sales"), score: first }, [form], r, NOW + 6 * DAY);
    expect(later.current.total).toBe(42);
    expect(later.published).toBe(first.published);
    // Thirty days on: 50 * 0.5^2 = 12.5, total 33 (change 12): written.
    const decayed = rescore({ ...person("VP Sales"), score: later }, [form], r, NOW + 30 * DAY);
    expect(decayed.published?.total).toBe(33);
    expect(scoreFields(decayed)).toEqual({
      leadScore: 33,
      leadGrade: "C",
      scoreSummary: "33 (C) – title: VP +20, form +12.5",
      lifecycleStage: "lead",
    });
  });

  it("never moves the lifecycle stage back when the score decays below its threshold", () => {
    const hot = [event("form_submit", NOW), event("form_submit", NOW - 1000)];
    const mql = rescore(person("VP Sales"), hot, r, NOW);
    expect(mql.published?.lifecycleStage).toBe("mql");
    const cold = rescore({ ...person("VP Sales"), score: mql }, hot, r, NOW + 365 * DAY);
    expect(cold.current.total).toBeLessThan(60);
    expect(cold.published?.lifecycleStage).toBe("mql");
  });

  it("gives nothing to write before a score was ever published", () => {
    expect(scoreFields(null)).toEqual({});
  });
});
