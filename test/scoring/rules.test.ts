import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScoringRules } from "../../src/core/scoring/rules.ts";
import { scoreContact, scoreSummary } from "../../src/core/scoring/score.ts";
import { BASE, DAY, event, NOW } from "./fixtures.ts";

const FILE = "mappings/scoring.json";
const bad = (patch: Record<string, unknown>) => () =>
  parseScoringRules("scoring.json", { ...BASE, ...patch });

describe("parseScoringRules", () => {
  it("names file and field path", () => {
    const fit0 = BASE.fit![0]!;
    expect(bad({ fit: [{ ...fit0, when: { equals: "x", contains: "y" } }] })).toThrow(
      /^scoring\.json: fit\[0\]\.when: expected exactly one of .* \(got equals, contains\)$/,
    );
    expect(bad({ fit: [{ ...fit0, when: {} }] })).toThrow(
      /^scoring\.json: fit\[0\]\.when: expected exactly one/,
    );
    expect(bad({ fit: [{ ...fit0, when: { regex: "(" } }] })).toThrow(
      /^scoring\.json: fit\[0\]\.when\.regex: invalid pattern/,
    );
    expect(bad({ fit: [{ ...fit0, field: "shoeSize" }] })).toThrow(
      /^scoring\.json: fit\[0\]\.field: /,
    );
    expect(bad({ fit: [{ ...fit0, when: { range: { min: 5, max: 1 } } }] })).toThrow(
      "scoring.json: fit[0].when.range.max: range min is above max",
    );
    const eng = BASE.engagement!;
    expect(bad({ engagement: [eng[0], { ...eng[1], type: "tweet" }] })).toThrow(
      /^scoring\.json: engagement\[1\]\.type: /,
    );
    expect(bad({ engagement: [{ ...eng[0], urlPattern: "re:[" }] })).toThrow(
      /^scoring\.json: engagement\[0\]\.urlPattern: invalid pattern/,
    );
    expect(bad({ engagement: [{ ...eng[0], cap: 0 }] })).toThrow(
      /^scoring\.json: engagement\[0\]\.cap: /,
    );
    expect(bad({ engagement: [{ ...eng[0], name: "title: VP" }] })).toThrow(
      'scoring.json: engagement[0].name: duplicate rule name "title: VP" (also fit[0])',
    );
    expect(bad({ grades: { A: 10, B: 20, C: 5 } })).toThrow(
      "scoring.json: grades.A: A must be above B",
    );
    expect(
      bad({
        lifecycle: {
          stages: [
            { name: "lead", minScore: 0 },
            { name: "mql", minScore: 60 },
            { name: "sql", minScore: 50 },
          ],
        },
      }),
    ).toThrow(
      "scoring.json: lifecycle.stages[2].minScore: minScore 50 must be above the earlier stage's 60",
    );
    expect(bad({ meaningfulChange: -1 })).toThrow(/^scoring\.json: meaningfulChange: /);
    expect(bad({ grades: undefined })).toThrow(/^scoring\.json: grades: /);
    expect(bad({ extra: true })).toThrow(/^scoring\.json: \(root\): /);
  });

  it("fills defaults", () => {
    const { meaningfulChange, topReasons, dedupe, ...rest } = BASE;
    const parsed = parseScoringRules("s.json", rest);
    expect(parsed.meaningfulChange).toBe(5);
    expect(parsed.topReasons).toBe(5);
    expect(parsed.dedupe.windowMinutes).toBe(10);
  });
});

describe("the shipped mappings/scoring.json", () => {
  const rules = parseScoringRules(FILE, JSON.parse(readFileSync(FILE, "utf8")));

  it("scores a senior B2B lead above a free-mail student", () => {
    const vp = scoreContact({
      attributes: {
        email: "dana@acme.io",
        title: "VP of Engineering",
        numberOfEmployees: 450,
        industry: "Computer Software",
        country: "Germany",
      },
      events: [
        event("form_submit", NOW - 2 * DAY, {
          title: "Request a demo",
          url: "https://tsunagu.io/demo",
        }),
        event("page_view", NOW - DAY, { url: "https://tsunagu.io/pricing" }),
        event("email_click", NOW - 3 * DAY, { url: "https://tsunagu.io/blog/x" }),
      ],
      now: NOW,
      rules,
    });
    // fit: VP 20 + size 200-999 15 + industry 10 + country 10 = 55 -> B (A at 60)
    expect(vp.fit).toBe(55);
    expect(vp.grade).toBe("B");
    // form: demo 60 * 0.5^(2/90) = 59.08 -> 59.1; pricing 10 * 0.5^(1/30) = 9.77 -> 9.8;
    // click 3 * 0.5^(3/45) = 2.86 -> 2.9; engagement 71.8; total round(126.8) = 127
    expect(vp.engagement).toBe(71.8);
    expect(vp.total).toBe(127);
    expect(vp.lifecycleStage).toBe("mql");
    expect(scoreSummary(vp)).toBe(
      "127 (B) – form: demo +59.1, title: VP +20, size: 200-999 +15, country: target +10, industry: target +10",
    );

    const student = scoreContact({
      attributes: { email: "kim@gmail.com", title: "Marketing Intern", numberOfEmployees: 5 },
      events: [event("page_view", NOW, { url: "https://tsunagu.io/careers/" })],
      now: NOW,
      rules,
    });
    // fit: student -15, size 1-10 -5, free mail -10 = -30 -> D; careers page -5
    expect([student.fit, student.engagement, student.total, student.grade]).toEqual([
      -30,
      -5,
      -35,
      "D",
    ]);
    expect(student.lifecycleStage).toBe("subscriber");
  });

  it("recognizes free-mail families but not business subdomains", () => {
    const fitOf = (email: string) =>
      scoreContact({ attributes: { email }, events: [], now: NOW, rules }).fit;
    for (const email of [
      "a@gmail.com",
      "a@yahoo.co.jp",
      "a@gmx.de",
      "a@yandex.ru",
      "a@qq.com",
      "a@outlook.fr",
    ]) {
      expect(fitOf(email), email).toBe(-10);
    }
    expect(fitOf("a@outlook.acme.com")).toBe(0);
    expect(fitOf("a@acme.com")).toBe(0);
  });
});
