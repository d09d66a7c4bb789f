import type { EngagementEvent, EngagementType, SystemName } from "../../connectors/contract.ts";
import {
  parseScoringRules,
  type ScoringRules,
  type ScoringRulesInput,
} from "../../src/core/scoring/rules.ts";

export const DAY = 86_400_000;
export const MINUTE = 60_000;
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

let seq = 0;
export function event(
  type: EngagementType,
  occurredAt: number,
  extra: Partial<Omit<EngagementEvent, "type" | "occurredAt">> & { url?: string } = {},
): EngagementEvent {
  const { url, detail, ...rest } = extra;
  const system: SystemName = rest.system ?? "hubspot";
  return {
    key: rest.key ?? `${system}:${type}:${++seq}`,
    system,
    type,
    person: { object: "contact", externalId: "p1" },
    occurredAt,
    detail: { ...(url === undefined ? {} : { url }), ...detail },
    ...(rest.title === undefined ? {} : { title: rest.title }),
  };
}

/** A small rule set whose arithmetic the tests spell out. */
export const BASE: ScoringRulesInput = {
  fit: [
    {
      name: "title: VP",
      field: "title",
      group: "seniority",
      when: { regex: "\\bvp\\b" },
      points: 20,
    },
    {
      name: "title: Director",
      field: "title",
      group: "seniority",
      when: { contains: "director" },
      points: 15,
    },
    { name: "size: 200+", field: "numberOfEmployees", when: { range: { min: 200 } }, points: 15 },
    { name: "industry", field: "industry", when: { in: ["Software", "SaaS"] }, points: 10 },
    { name: "country", field: "country", when: { equals: "DE" }, points: 5 },
    { name: "free mail", field: "email", when: { freeMailDomain: true }, points: -10 },
    { name: "phone known", field: "phone", when: { present: true }, points: 2.5 },
  ],
  engagement: [
    { name: "form", type: "form_submit", points: 50, cap: 100, halfLifeDays: 30 },
    {
      name: "page: pricing",
      type: "page_view",
      urlPattern: "/pricing*",
      points: 10,
      cap: 25,
      halfLifeDays: 10,
    },
    { name: "page view", type: "page_view", points: 1, cap: 5 },
    { name: "email click", type: "email_click", points: 3, halfLifeDays: 10 },
    { name: "bounce", type: "email_bounce", points: -10, cap: 10 },
  ],
  grades: { A: 40, B: 25, C: 10 },
  lifecycle: {
    stages: [
      { name: "subscriber", minScore: 0 },
      { name: "lead", minScore: 20 },
      { name: "mql", minScore: 60 },
      { name: "sql" },
      { name: "customer" },
    ],
  },
  meaningfulChange: 5,
  topReasons: 3,
};

export const rules = (overrides: Partial<ScoringRulesInput> = {}): ScoringRules =>
  parseScoringRules("test/scoring.json", { ...BASE, ...overrides });
