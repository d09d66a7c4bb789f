import { describe, expect, it } from "vitest";
import {
  lifecycleStageOf,
  type ScoreResult,
  scoreContact,
  scoreSummary,
  shouldPush,
} from "../../src/core/scoring/score.ts";
import { DAY, event, MINUTE, NOW, rules } from "./fixtures.ts";

const R = rules();
const engagementOf = (events: Parameters<typeof scoreContact>[0]["events"]) =>
  scoreContact({ attributes: {}, events, now: NOW, rules: R }).engagement;

describe("fit", () => {
  const attributes = {
    title: "VP, Director of Sales",
    numberOfEmployees: 250,
    industry: "software",
    country: "de",
    email: "ann@gmail.com",
    phone: "+49 30 1234567",
  };

  it("adds matching rules, first match per group, case-insensitive", () => {
    const result = scoreContact({ attributes, events: [], now: NOW, rules: R });
    // title: VP +20 (the Director rule is in the same group: skipped)
    // size 250 >= 200 +15, industry "software" in [Software, SaaS] +10, country "de" = "DE" +5,
    // gmail.com is free mail -10, phone present +2.5
    // fit = 20 + 15 + 10 + 5 - 10 + 2.5 = 42.5 -> grade A (>= 40)
    expect(result.fit).toBe(42.5);
    expect(result.grade).toBe("A");
    // total = Math.round(42.5 + 0) = 43 -> stage "lead" (>= 20, < 60)
    expect(result.total).toBe(43);
    expect(result.lifecycleStage).toBe("lead");
  });

  it("orders reasons by absolute points, ties by name, top 3 only", () => {
    const { reasons } = scoreContact({ attributes, events: [], now: NOW, rules: R });
    // 20, 15, then |-10| ties with industry 10: "free mail" < "industry"
    expect(reasons).toEqual([
      { rule: "title: VP", points: 20 },
      { rule: "size: 200+", points: 15 },
      { rule: "free mail", points: -10 },
    ]);
  });

  it("grades B, C and D by fit thresholds", () => {
    const grade = (a: Record<string, string | number>) =>
      scoreContact({ attributes: a, events: [], now: NOW, rules: R }).grade;
    expect(grade({ title: "Director", industry: "SaaS" })).toBe("B"); // 15 + 10 = 25 >= 25
    expect(grade({ title: "Director" })).toBe("C"); // 15 >= 10
    expect(grade({ title: "Director", email: "x@yahoo.co.uk" })).toBe("D"); // 15 - 10 = 5 < 10
    expect(grade({ email: "x@acme.com", numberOfEmployees: 10 })).toBe("D"); // business mail, small: 0
  });

  it("range takes numeric text; blanks match nothing but present:false", () => {
    const fitOf = (a: Record<string, string | number | null>) =>
      scoreContact({ attributes: a, events: [], now: NOW, rules: R }).fit;
    expect(fitOf({ numberOfEmployees: "1,200" as unknown as number })).toBe(15);
    expect(fitOf({ numberOfEmployees: null, title: "  ", email: null })).toBe(0);
  });
});

describe("engagement", () => {
  it("decays by half-life: 0, 1 and 2 half-lives", () => {
    // form: 50 points, half-life 30 days
    expect(engagementOf([event("form_submit", NOW)])).toBe(50); // 50 * 0.5^0
    expect(engagementOf([event("form_submit", NOW - 30 * DAY)])).toBe(25); // 50 * 0.5^1
    expect(engagementOf([event("form_submit", NOW - 60 * DAY)])).toBe(12.5); // 50 * 0.5^2
    // 50 + 25 + 12.5 = 87.5, under the cap of 100
    const three = [0, 30, 60].map((d) => event("form_submit", NOW - d * DAY));
    expect(engagementOf(three)).toBe(87.5);
    // one more fresh form: 137.5 -> capped at 100
    expect(engagementOf([...three, event("form_submit", NOW - DAY / 2)])).toBe(100);
  });

  it("an event dated after now counts as age 0", () => {
    expect(engagementOf([event("form_submit", NOW + DAY)])).toBe(50);
  });

  it("the first matching rule takes the event; caps apply per rule", () => {
    const pricing = (d: number) =>
      event("page_view", NOW - d * DAY, { url: "https://acme.com/pricing" });
    // page: pricing, 10 points, half-life 10: ages 0, 10, 20 days -> 10 + 5 + 2.5 = 17.5
    expect(engagementOf([pricing(0), pricing(10), pricing(20)])).toBe(17.5);
    // two more at age ~0 (hours apart, beyond the dedupe window): 37.5 -> cap 25
    const more = [event("page_view", NOW - 2 * 3600_000, { url: "https://acme.com/pricing/" })];
    more.push(event("page_view", NOW - 4 * 3600_000, { url: "https://acme.com/pricing?utm=x" }));
    expect(engagementOf([pricing(0), pricing(10), pricing(20), ...more])).toBeCloseTo(25, 5);
    // 7 other page views, 1 point each, no decay -> 7 -> cap 5
    const blog = Array.from({ length: 7 }, (_, i) =>
      event("page_view", NOW - i * 3600_000, { url: `https://acme.com/blog/${i}` }),
    );
    expect(engagementOf(blog)).toBe(5);
  });

  it("rounds each rule to 0.1 and clamps negative rules at -cap", () => {
    // click: 3 * 0.5^(20/10) = 0.75 -> 0.8
    expect(engagementOf([event("email_click", NOW - 20 * DAY)])).toBe(0.8);
    // two bounces: -20 -> -10
    const bounces = [event("email_bounce", NOW - DAY), event("email_bounce", NOW - 2 * DAY)];
    expect(engagementOf(bounces)).toBe(-10);
  });

  it("total combines fit and engagement and drives the stage", () => {
    const result = scoreContact({
      attributes: { title: "VP Marketing" },
      events: [event("form_submit", NOW - 30 * DAY), event("email_click", NOW - 10 * DAY)],
      now: NOW,
      rules: R,
    });
    // fit 20; engagement 25 (form, one half-life) + 1.5 (click, one half-life) = 26.5
    // total = Math.round(46.5) = 47 -> lead
    expect([result.fit, result.engagement, result.total]).toEqual([20, 26.5, 47]);
    expect(result.lifecycleStage).toBe("lead");
    expect(result.reasons.map((r) => r.rule)).toEqual(["form", "title: VP", "email click"]);
  });

  it("counts a form fill seen by HubSpot and Marketo once", () => {
    const url = "https://acme.com/demo";
    const hubspot = event("form_submit", NOW, { system: "hubspot", url, title: "Demo request" });
    const marketo = event("form_submit", NOW + 30_000, {
      system: "marketo",
      url,
      title: "Demo request",
    });
    expect(engagementOf([hubspot, marketo])).toBe(50);
  });
});

describe("lifecycle", () => {
  const lc = R.lifecycle;
  it("moves forward with the score", () => {
    expect(lifecycleStageOf(-5, null, lc)).toBe("subscriber");
    expect(lifecycleStageOf(20, null, lc)).toBe("lead");
    expect(lifecycleStageOf(65, "lead", lc)).toBe("mql");
  });

  it("never moves back", () => {
    expect(lifecycleStageOf(10, "mql", lc)).toBe("mql");
    expect(lifecycleStageOf(65, "customer", lc)).toBe("customer");
    expect(lifecycleStageOf(0, "SQL", lc)).toBe("sql");
    const low = scoreContact({
      attributes: { lifecycleStage: "mql" },
      events: [],
      now: NOW,
      rules: R,
    });
    expect(low.lifecycleStage).toBe("mql");
    const explicit = scoreContact({
      attributes: {},
      events: [],
      currentStage: "customer",
      now: NOW,
      rules: R,
    });
    expect(explicit.lifecycleStage).toBe("customer");
  });

  it("leaves a stage it does not know alone", () => {
    expect(lifecycleStageOf(99, "other", lc)).toBe("other");
  });
});

describe("shouldPush and summary", () => {
  const prev = { total: 40, grade: "B" as const, lifecycleStage: "lead" };
  it("pushes on meaningful change (5), grade or stage change", () => {
    expect(shouldPush(null, prev, R)).toBe(true);
    expect(shouldPush(prev, prev, R)).toBe(false);
    expect(shouldPush(prev, { ...prev, total: 44 }, R)).toBe(false); // |44 - 40| = 4 < 5
    expect(shouldPush(prev, { ...prev, total: 45 }, R)).toBe(true); // 5 >= 5
    expect(shouldPush(prev, { ...prev, total: 35 }, R)).toBe(true); // |35 - 40| = 5
    expect(shouldPush(prev, { ...prev, grade: "A" }, R)).toBe(true);
    expect(shouldPush(prev, { ...prev, lifecycleStage: "mql" }, R)).toBe(true);
    expect(shouldPush(prev, { ...prev, total: 41 }, { meaningfulChange: 0 })).toBe(true);
  });

  it("summarizes in one line under 255 characters", () => {
    const result: ScoreResult = {
      total: 72,
      fit: 10,
      engagement: 62,
      grade: "B",
      lifecycleStage: "mql",
      reasons: [
        { rule: "form: pricing", points: 50 },
        { rule: "title: VP", points: 20 },
        { rule: "free mail", points: -10 },
        { rule: "email click", points: 1.5 },
      ],
    };
    expect(scoreSummary(result)).toBe(
      "72 (B) – form: pricing +50, title: VP +20, free mail -10, email click +1.5",
    );
    const long = Array.from({ length: 20 }, (_, i) => ({
      rule: `${"x".repeat(50)} ${i}`,
      points: 1,
    }));
    const line = scoreSummary({ ...result, reasons: long });
    expect(line.length).toBeLessThanOrEqual(255);
    expect(line.startsWith(`72 (B) – ${"x".repeat(50)} 0 +1`)).toBe(true);
    expect(scoreSummary({ ...result, reasons: [] })).toBe("72 (B)");
  });
});

it("minute-level timestamps stay distinct events outside the window", () => {
  const views = [0, 11, 22].map((m) =>
    event("page_view", NOW - m * MINUTE, { url: "https://a.io/x" }),
  );
  expect(engagementOf(views)).toBe(3);
});
