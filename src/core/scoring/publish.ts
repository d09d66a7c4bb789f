import type { EngagementEvent } from "../../../connectors/contract.ts";
import {
  attributesOf,
  type CanonicalValues,
  type Contact,
  type PublishedScore,
  type StoredScore,
} from "../contact.ts";
import type { ScoringRules } from "./rules.ts";
import { scoreContact, scoreSummary, shouldPush } from "./score.ts";

/** The further along the funnel of two stages; a stage not in the list (someone's own) wins. */
function furthest(
  a: string | null | undefined,
  b: string | null | undefined,
  stages: ScoringRules["lifecycle"]["stages"],
): string | null {
  const at = (s: string | null | undefined) =>
    s ? stages.findIndex((stage) => stage.name.toLowerCase() === s.toLowerCase()) : -2;
  const [ia, ib] = [at(a), at(b)];
  if (ia === -1) return a!;
  if (ib === -1) return b!;
  return ia >= ib ? (a ?? null) : (b ?? null);
}

/**
 * A person's score now, and what other systems should show of it: the published part
 * moves only on a meaningful change (`shouldPush`), so decay by a point a day does not
 * cost a write per person per day. The lifecycle stage starts from the further of the
 * stage the systems show and the one the hub computed last, so it never moves back.
 * RFM is a population measure: a rescore job passes each buyer's (null for a non-buyer);
 * other rescores keep the last one.
 */
export function rescore(
  contact: Contact,
  events: readonly EngagementEvent[],
  rules: ScoringRules,
  now: number,
  rfm?: StoredScore["rfm"],
): StoredScore {
  const attributes = attributesOf(contact.golden);
  const previous = contact.score ?? null;
  const stage = furthest(
    typeof attributes.lifecycleStage === "string" ? attributes.lifecycleStage : null,
    previous?.current.lifecycleStage,
    rules.lifecycle.stages,
  );
  const result = scoreContact({ attributes, events, currentStage: stage, now, rules });
  const current = { ...result, summary: scoreSummary(result) };
  const published: PublishedScore | null = shouldPush(previous?.published, current, rules)
    ? {
        total: current.total,
        grade: current.grade,
        lifecycleStage: current.lifecycleStage,
        summary: current.summary,
      }
    : (previous?.published ?? null);
  const segment = rfm === undefined ? previous?.rfm : rfm;
  return { current, computedAt: now, published, ...(segment ? { rfm: segment } : {}) };
}

/** The computed fields a published score gives the systems that map them. */
export function scoreFields(score: StoredScore | null | undefined): CanonicalValues {
  const published = score?.published;
  if (!published) return {};
  return {
    leadScore: published.total,
    leadGrade: published.grade,
    scoreSummary: published.summary,
    lifecycleStage: published.lifecycleStage,
  };
}
