import { createHash } from "node:crypto";
import { z } from "zod";
import { ENGAGEMENT_TYPES } from "../../../connectors/contract.ts";
import { CanonicalFieldSchema } from "../contact.ts";
import { parseConfigFile } from "../mapping-spec.ts";
import { patternProblem } from "./match.ts";

/**
 * `mappings/scoring.json`: lead scoring = fit (who the person is) + engagement (what they
 * did). See score.ts for how the rules are applied.
 */

const FieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Pattern = z
  .string()
  .min(1)
  .superRefine((pattern, ctx) => {
    const problem = patternProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
const Regex = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    const problem = patternProblem(`re:${source}`);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const CONDITIONS = [
  "equals",
  "in",
  "contains",
  "regex",
  "range",
  "freeMailDomain",
  "present",
] as const;

/** Exactly one condition per fit rule. Text comparisons are case-insensitive. */
export const ConditionSchema = z
  .strictObject({
    /** Same value (strings compared trimmed and case-insensitively). */
    equals: FieldValueSchema.optional(),
    /** Any of these values, compared like `equals`. */
    in: z.array(FieldValueSchema).min(1).optional(),
    /** The text contains this (or any of these) substrings. */
    contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Case-insensitive, unanchored regular expression on the text. */
    regex: Regex.optional(),
    /** Numeric value (or numeric text) within [min, max], both inclusive. */
    range: z
      .strictObject({ min: z.number().optional(), max: z.number().optional() })
      .refine((r) => r.min !== undefined || r.max !== undefined, "range needs min or max")
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
        message: "range min is above max",
        path: ["max"],
      })
      .optional(),
    /** true: the email's domain is a free-mail provider; false: a business domain. Blank matches neither. */
    freeMailDomain: z.boolean().optional(),
    /** true: the field is not blank; false: it is blank. */
    present: z.boolean().optional(),
  })
  .superRefine((when, ctx) => {
    const used = CONDITIONS.filter((c) => when[c] !== undefined);
    if (used.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one of ${CONDITIONS.join(", ")}${used.length ? ` (got ${used.join(", ")})` : ""}`,
      });
    }
  });
export type Condition = z.infer<typeof ConditionSchema>;

export const FitRuleSchema = z.strictObject({
  /** Shown in reasons and the CRM summary, e.g. "title: VP". Unique across the file. */
  name: z.string().min(1).max(60),
  field: CanonicalFieldSchema,
  when: ConditionSchema,
  /** May be negative (a free-mail penalty). */
  points: z.number(),
  /** Within a group only the first matching rule (file order) counts: one seniority, one size band. */
  group: z.string().min(1).optional(),
});
export type FitRule = z.infer<typeof FitRuleSchema>;

export const EngagementRuleSchema = z.strictObject({
  name: z.string().min(1).max(60),
  type: z.union([z.enum(ENGAGEMENT_TYPES), z.array(z.enum(ENGAGEMENT_TYPES)).min(1)]),
  /** Glob or `re:` regex on `detail.url` (or `detail.pageUrl`), see match.ts. */
  urlPattern: Pattern.optional(),
  /** Glob or `re:` regex on the event title. */
  titlePattern: Pattern.optional(),
  /** Points per event, before decay. May be negative (a bounce). */
  points: z.number(),
  /** The most points (in absolute value) this rule contributes in total, after decay. */
  cap: z.number().positive().optional(),
  /** Points halve every this many days of event age; no decay when absent. */
  halfLifeDays: z.number().positive().optional(),
});
export type EngagementRule = z.infer<typeof EngagementRuleSchema>;

const StageSchema = z.strictObject({
  /** The canonical lifecycleStage value (subscriber, lead, mql, sql, opportunity, customer, evangelist; mappings translate per system). */
  name: z.string().min(1),
  /** Total score from which the stage is reached automatically; absent = set by people only. */
  minScore: z.number().optional(),
});

export const ScoringRulesSchema = z
  .strictObject({
    $schema: z.string().optional(),
    fit: z.array(FitRuleSchema).default([]),
    engagement: z.array(EngagementRuleSchema).default([]),
    /** Fit at or above A is grade A, then B, then C; below C is D. */
    grades: z
      .strictObject({ A: z.number(), B: z.number(), C: z.number() })
      .refine((g) => g.A > g.B, { message: "A must be above B", path: ["A"] })
      .refine((g) => g.B > g.C, { message: "B must be above C", path: ["B"] }),
    /** Stages in funnel order; thresholds must rise along the list. The stage never moves back. */
    lifecycle: z.strictObject({ stages: z.array(StageSchema).min(1) }).superRefine((lc, ctx) => {
      let last = Number.NEGATIVE_INFINITY;
      const names = new Set<string>();
      lc.stages.forEach((stage, index) => {
        if (names.has(stage.name.toLowerCase())) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate stage "${stage.name}"`,
            path: ["stages", index, "name"],
          });
        }
        names.add(stage.name.toLowerCase());
        if (stage.minScore === undefined) return;
        if (stage.minScore <= last) {
          ctx.addIssue({
            code: "custom",
            message: `minScore ${stage.minScore} must be above the earlier stage's ${last}`,
            path: ["stages", index, "minScore"],
          });
        }
        last = stage.minScore;
      });
    }),
    /** Smallest change of `total` worth writing to other systems; grade or stage changes always are. */
    meaningfulChange: z.number().nonnegative().default(5),
    /** How many contributions `reasons` lists. */
    topReasons: z.number().int().positive().max(20).default(5),
    dedupe: z
      .strictObject({ windowMinutes: z.number().nonnegative().default(10) })
      .default({ windowMinutes: 10 }),
    /** RFM segments for contacts with purchase events (rfm.ts). */
    rfm: z.strictObject({ enabled: z.boolean().default(true) }).optional(),
  })
  .superRefine((rules, ctx) => {
    const seen = new Map<string, string>();
    for (const list of ["fit", "engagement"] as const) {
      rules[list].forEach((rule, index) => {
        const other = seen.get(rule.name);
        if (other) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate rule name "${rule.name}" (also ${other})`,
            path: [list, index, "name"],
          });
        }
        seen.set(rule.name, `${list}[${index}]`);
      });
    }
  });
export type ScoringRules = z.infer<typeof ScoringRulesSchema>;
export type ScoringRulesInput = z.input<typeof ScoringRulesSchema>;

/** Validates `mappings/scoring.json`; errors read `<file>: <field path>: <message>`. */
export function parseScoringRules(file: string, json: unknown): ScoringRules {
  return parseConfigFile(ScoringRulesSchema, file, json);
}

/** Identifies a rule set, so a start with different rules can re-score everyone. */
export function rulesFingerprint(rules: ScoringRules): string {
  return createHash("sha256").update(JSON.stringify(rules)).digest("hex");
}
