import type { EngagementEvent, FieldValue } from "../../../connectors/contract.ts";
import { type CanonicalValues, isBlank } from "../contact.ts";
import { dedupeEvents, eventUrl } from "./dedupe.ts";
import {
  compilePattern,
  emailDomain,
  isFreeMailDomain,
  matchesUrl,
  normalizeTitle,
} from "./match.ts";
import type { Condition, EngagementRule, FitRule, ScoringRules } from "./rules.ts";

/**
 * Lead score = fit + engagement.
 *
 * - Fit: every fit rule whose condition holds on the merged attributes adds its points;
 *   within a `group` only the first matching rule (file order) counts.
 * - Engagement: events are deduplicated first (dedupe.ts). Each event counts for the
 *   first engagement rule (file order) whose type, URL and title patterns match it, so
 *   put specific rules (page views of /pricing) before general ones (any page view).
 *   An event of age d days is worth `points * 0.5^(d / halfLifeDays)` (events dated after
 *   `now` count as age 0); a rule's sum is then clamped to ±`cap`.
 * - Rounding: each rule's contribution to 0.1, `fit` and `engagement` to 0.1 (sums of
 *   those), `total = Math.round(fit + engagement)` an integer.
 * - Grade from fit alone (A/B/C thresholds, else D); lifecycle stage from total, forward only.
 */

export type Grade = "A" | "B" | "C" | "D";

export interface Reason {
  rule: string;
  points: number;
}

export interface ScoreResult {
  total: number;
  fit: number;
  engagement: number;
  grade: Grade;
  lifecycleStage: string;
  /** The largest contributions by absolute points (ties by rule name), at most `topReasons`. */
  reasons: Reason[];
}

export interface ScoreInput {
  attributes: CanonicalValues;
  events: readonly EngagementEvent[];
  /** The stage the contact is at now; defaults to `attributes.lifecycleStage`. */
  currentStage?: string | null;
  now: number;
  rules: ScoringRules;
}

const DAY_MS = 86_400_000;
export const round1 = (x: number): number => Math.round(x * 10) / 10 + 0;

const text = (value: FieldValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value).trim().toLowerCase();

function sameValue(a: FieldValue | undefined, b: FieldValue): boolean {
  if (typeof a === "string" && typeof b === "string") return text(a) === text(b);
  return a === b;
}

function asNumber(value: FieldValue | undefined): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value.trim().replace(/,/g, ""));
  return Number.isFinite(n) ? n : null;
}

export function conditionHolds(when: Condition, value: FieldValue | undefined): boolean {
  if (when.present !== undefined) return when.present !== isBlank(value);
  if (isBlank(value)) return false;
  if (when.equals !== undefined) return sameValue(value, when.equals);
  if (when.in !== undefined) return when.in.some((candidate) => sameValue(value, candidate));
  const valueText = text(value)!;
  if (when.contains !== undefined) {
    const needles = Array.isArray(when.contains) ? when.contains : [when.contains];
    return needles.some((needle) => valueText.includes(needle.toLowerCase()));
  }
  if (when.regex !== undefined) return compilePattern(`re:${when.regex}`).test(String(value));
  if (when.range !== undefined) {
    const n = asNumber(value);
    const { min, max } = when.range;
    return n !== null && (min === undefined || n >= min) && (max === undefined || n <= max);
  }
  if (when.freeMailDomain !== undefined) {
    const domain = emailDomain(value);
    return domain !== null && isFreeMailDomain(domain) === when.freeMailDomain;
  }
  return false;
}

function fitReasons(attributes: CanonicalValues, rules: readonly FitRule[]): Reason[] {
  const groups = new Set<string>();
  const reasons: Reason[] = [];
  for (const rule of rules) {
    if (rule.group !== undefined && groups.has(rule.group)) continue;
    if (!conditionHolds(rule.when, attributes[rule.field])) continue;
    if (rule.group !== undefined) groups.add(rule.group);
    reasons.push({ rule: rule.name, points: round1(rule.points) });
  }
  return reasons;
}

function ruleMatches(rule: EngagementRule, event: EngagementEvent): boolean {
  const types = Array.isArray(rule.type) ? rule.type : [rule.type];
  if (!types.includes(event.type)) return false;
  if (
    rule.urlPattern !== undefined &&
    !matchesUrl(compilePattern(rule.urlPattern), eventUrl(event))
  )
    return false;
  if (rule.titlePattern !== undefined) {
    const title = normalizeTitle(event.title);
    if (title === null || !compilePattern(rule.titlePattern).test(title)) return false;
  }
  return true;
}

/** Which rule an event counts for: the first match in file order, or none. */
export const ruleFor = (rules: readonly EngagementRule[], event: EngagementEvent) =>
  rules.find((rule) => ruleMatches(rule, event));

export function decayed(rule: EngagementRule, occurredAt: number, now: number): number {
  if (rule.halfLifeDays === undefined) return rule.points;
  const ageDays = Math.max(0, now - occurredAt) / DAY_MS;
  return rule.points * 0.5 ** (ageDays / rule.halfLifeDays);
}

/** Engagement contributions of already-deduplicated events, one per rule that scored. */
export function engagementReasons(
  events: readonly EngagementEvent[],
  rules: readonly EngagementRule[],
  now: number,
): Reason[] {
  const sums = new Map<EngagementRule, number>();
  for (const event of events) {
    const rule = ruleFor(rules, event);
    if (rule) sums.set(rule, (sums.get(rule) ?? 0) + decayed(rule, event.occurredAt, now));
  }
  const reasons: Reason[] = [];
  for (const rule of rules) {
    const sum = sums.get(rule);
    if (sum === undefined) continue;
    const capped = rule.cap === undefined ? sum : Math.max(-rule.cap, Math.min(rule.cap, sum));
    reasons.push({ rule: rule.name, points: round1(capped) });
  }
  return reasons;
}

export function gradeOf(fit: number, grades: ScoringRules["grades"]): Grade {
  return fit >= grades.A ? "A" : fit >= grades.B ? "B" : fit >= grades.C ? "C" : "D";
}

/**
 * The furthest stage whose `minScore` the total reaches, unless the current stage is
 * already further along the list: the stage never moves back. A current stage that is
 * not in the list (someone's own value) is left as it is; no current stage and a total
 * below every threshold gives the first stage.
 */
export function lifecycleStageOf(
  total: number,
  current: string | null | undefined,
  lifecycle: ScoringRules["lifecycle"],
): string {
  const { stages } = lifecycle;
  let reached = -1;
  stages.forEach((stage, index) => {
    if (stage.minScore !== undefined && total >= stage.minScore) reached = index;
  });
  if (current !== null && current !== undefined && current.trim() !== "") {
    const at = stages.findIndex(
      (stage) => stage.name.toLowerCase() === current.trim().toLowerCase(),
    );
    if (at === -1) return current;
    if (at >= reached) return stages[at]!.name;
  }
  return stages[Math.max(reached, 0)]!.name;
}

const byWeight = (a: Reason, b: Reason) =>
  Math.abs(b.points) - Math.abs(a.points) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);

export function scoreContact(input: ScoreInput): ScoreResult {
  const { attributes, rules, now } = input;
  const fitParts = fitReasons(attributes, rules.fit);
  const events = dedupeEvents(input.events, rules.dedupe.windowMinutes);
  const engagementParts = engagementReasons(events, rules.engagement, now);
  const fit = round1(fitParts.reduce((sum, r) => sum + r.points, 0));
  const engagement = round1(engagementParts.reduce((sum, r) => sum + r.points, 0));
  const total = Math.round(fit + engagement) + 0;
  const current = input.currentStage === undefined ? attributes.lifecycleStage : input.currentStage;
  return {
    total,
    fit,
    engagement,
    grade: gradeOf(fit, rules.grades),
    lifecycleStage: lifecycleStageOf(
      total,
      typeof current === "string" ? current : null,
      rules.lifecycle,
    ),
    reasons: [...fitParts, ...engagementParts]
      .filter((r) => r.points !== 0)
      .sort(byWeight)
      .slice(0, rules.topReasons),
  };
}

/** Whether a new score is worth writing to other systems (saves API calls). */
export function shouldPush(
  previous: Pick<ScoreResult, "total" | "grade" | "lifecycleStage"> | null | undefined,
  next: Pick<ScoreResult, "total" | "grade" | "lifecycleStage">,
  rules: Pick<ScoringRules, "meaningfulChange">,
): boolean {
  if (!previous) return true;
  if (previous.grade !== next.grade || previous.lifecycleStage !== next.lifecycleStage) return true;
  const change = Math.abs(next.total - previous.total);
  return change > 0 && change >= rules.meaningfulChange;
}

export const SUMMARY_MAX = 255;

const signed = (points: number) => `${points >= 0 ? "+" : ""}${points}`;

/**
 * One line for a CRM text field: `72 (B) – form: pricing +50, title: VP +20, free mail -10`.
 * Reasons are dropped from the end until it fits in 255 characters.
 */
export function scoreSummary(result: Pick<ScoreResult, "total" | "grade" | "reasons">): string {
  const head = `${result.total} (${result.grade})`;
  const parts = result.reasons.map((r) => `${r.rule} ${signed(r.points)}`);
  for (let n = parts.length; n > 0; n--) {
    const line = `${head} – ${parts.slice(0, n).join(", ")}`;
    if (line.length <= SUMMARY_MAX) return line;
  }
  return head;
}
