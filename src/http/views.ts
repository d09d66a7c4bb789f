import { z } from "@hono/zod-openapi";
import { type ConsentEntry, type ConsentEvent, consentKey } from "../core/consent.ts";
import { attributesOf, type CanonicalField, type Contact } from "../core/contact.ts";
import type { MergeRow } from "../store/contacts.ts";
import type { DeadLetterRow } from "../store/dead-letters.ts";
import type { DuplicateRow } from "../store/duplicates.ts";
import type { JobRow } from "../store/jobs.ts";
import { retryState } from "../sync/retry.ts";

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export const ContactView = z
  .object({
    id: z.string(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    sources: z.array(
      z.object({
        system: z.string(),
        object: z.string(),
        externalId: z.string(),
        lastSyncedAt: z.string().nullable(),
      }),
    ),
    fieldSources: z.record(z.string(), z.object({ system: z.string(), at: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Contact");

export function contactView(contact: Contact): z.infer<typeof ContactView> {
  const fieldSources: Record<string, { system: string; at: string }> = {};
  for (const [field, p] of Object.entries(contact.golden) as [
    CanonicalField,
    { system: string; at: number },
  ][]) {
    fieldSources[field] = { system: p.system, at: iso(p.at)! };
  }
  return {
    id: contact.id,
    attributes: attributesOf(contact.golden),
    sources: contact.links.map((l) => ({
      system: l.system,
      object: l.object,
      externalId: l.externalId,
      lastSyncedAt: iso(l.lastSyncedAt),
    })),
    fieldSources,
    createdAt: iso(contact.createdAt)!,
    updatedAt: iso(contact.updatedAt)!,
  };
}

export const JobView = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    params: z.record(z.string(), z.unknown()),
    progress: z.record(z.string(), z.number()),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    createdAt: z.string(),
    errors: z.array(z.object({ at: z.string(), message: z.string() })),
  })
  .openapi("Job");

export function jobView(job: JobRow): z.infer<typeof JobView> {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    params: job.params,
    progress: job.progress,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    createdAt: iso(job.createdAt)!,
    errors: job.errors.map((e) => ({ at: iso(e.at)!, message: e.message })),
  };
}

export const DeadLetterView = z
  .object({
    id: z.string(),
    contactId: z.string(),
    system: z.string(),
    object: z.string(),
    externalId: z.string().nullable(),
    operation: z.enum(["create", "update", "merge"]),
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.string()).optional(),
    }),
    status: z.enum(["open", "retried", "replayed"]).openapi({
      description:
        "open: not written yet; retried: an automatic retry wrote it; replayed: an operator replayed it",
    }),
    retryable: z.boolean().openapi({
      description: "The last error may pass if tried later (rate limit, 5xx, timeout)",
    }),
    retry: z.enum(["scheduled", "exhausted", "permanent", "done"]).openapi({
      description:
        "scheduled: retried automatically at nextAttemptAt; exhausted: retries ran out, needs an operator; permanent: the error will not pass by retrying, needs an operator; done: closed",
    }),
    attempts: z
      .number()
      .int()
      .openapi({ description: "Failed attempts, the first write included" }),
    nextAttemptAt: z.string().nullable().openapi({ description: "When it is retried next" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("DeadLetter");

export const deadLetterView = (row: DeadLetterRow): z.infer<typeof DeadLetterView> => ({
  ...row,
  retry: retryState(row),
  nextAttemptAt: iso(row.nextAttemptAt),
  createdAt: iso(row.createdAt)!,
  updatedAt: iso(row.updatedAt)!,
});

export const ProblemView = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    field: z.string().optional(),
  })
  .openapi("Problem");

export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: "limit", in: "query" } }),
  cursor: z
    .string()
    .min(1)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" } }),
});

/** A `{results, nextCursor}` page from `limit + 1` rows: the extra row only says there is more. */
export function pageOf<Row extends { id: string }, View>(
  rows: Row[],
  limit: number,
  view: (row: Row) => View,
) {
  return {
    results: rows.slice(0, limit).map(view),
    nextCursor: rows.length > limit ? rows[limit - 1]!.id : null,
  };
}

export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ results: z.array(item), nextCursor: z.string().nullable() });

export const problemResponses = {
  400: {
    description: "Invalid input",
    content: { "application/problem+json": { schema: ProblemView } },
  },
  401: {
    description: "Missing or wrong admin token",
    content: { "application/problem+json": { schema: ProblemView } },
  },
  404: {
    description: "Not found",
    content: { "application/problem+json": { schema: ProblemView } },
  },
} as const;

const ConsentEvidenceView = z.object({
  source: z.string(),
  state: z.enum(["opted_in", "opted_out"]),
  explicit: z.boolean(),
  legalBasis: z.string().optional(),
  occurredAt: z.string(),
  evidence: z.object({ kind: z.string(), ref: z.string().optional(), note: z.string().optional() }),
});

export const ConsentView = z
  .object({
    channel: z.string(),
    purpose: z.string().nullable(),
    state: z.enum(["opted_in", "opted_out", "unknown"]),
    legalBasis: z.string().optional(),
    decidedBy: ConsentEvidenceView.optional(),
    /** Every statement about this channel/purpose, oldest first. */
    trail: z.array(ConsentEvidenceView),
  })
  .openapi("Consent");

const evidenceView = (e: ConsentEvent) => ({
  source: e.source,
  state: e.state,
  explicit: e.explicit,
  ...(e.legalBasis ? { legalBasis: e.legalBasis } : {}),
  occurredAt: iso(e.occurredAt)!,
  evidence: e.evidence,
});

export function consentView(
  merged: Map<string, ConsentEntry>,
  events: ConsentEvent[],
): z.infer<typeof ConsentView>[] {
  return [...merged.values()].map((entry) => ({
    channel: entry.channel,
    purpose: entry.purpose,
    state: entry.state,
    ...(entry.legalBasis ? { legalBasis: entry.legalBasis } : {}),
    ...(entry.decidedBy ? { decidedBy: evidenceView(entry.decidedBy) } : {}),
    trail: events
      .filter((e) => consentKey(e.channel, e.purpose) === consentKey(entry.channel, entry.purpose))
      .map(evidenceView),
  }));
}

export const EngagementView = z
  .object({
    key: z.string(),
    system: z.string(),
    type: z.string(),
    occurredAt: z.string(),
    title: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("EngagementEvent");

export const ScoreView = z
  .object({
    total: z.number(),
    fit: z.number(),
    engagement: z.number(),
    grade: z.enum(["A", "B", "C", "D"]),
    lifecycleStage: z.string(),
    reasons: z.array(z.object({ rule: z.string(), points: z.number() })),
    summary: z.string(),
    /** RFM segment among buyers, as of the last rescore job; null for people without purchases. */
    rfm: z
      .object({
        recencyDays: z.number(),
        frequency: z.number(),
        monetary: z.number(),
        code: z.string(),
        segment: z.string(),
      })
      .nullable()
      .optional(),
  })
  .openapi("Score");

const EvidenceView = z
  .object({ field: z.string(), level: z.string(), weight: z.number() })
  .openapi("MatchEvidence");

export const MergeView = z
  .object({
    id: z.string(),
    mergedContactId: z.string(),
    reason: z.string(),
    evidence: z.unknown(),
    createdAt: z.string(),
    undoneAt: z.string().nullable(),
  })
  .openapi("Merge");

export const mergeView = (row: MergeRow): z.infer<typeof MergeView> => ({
  id: row.id,
  mergedContactId: row.loser.id,
  reason: row.reason,
  evidence: row.evidence,
  createdAt: iso(row.createdAt)!,
  undoneAt: iso(row.undoneAt),
});

export const DuplicateView = z
  .object({
    id: z.string(),
    status: z.enum(["pending", "merged", "dismissed"]),
    probability: z.number(),
    evidence: z.array(EvidenceView),
    a: ContactView.nullable(),
    b: ContactView.nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
  })
  .openapi("DuplicatePair");

export function duplicateView(
  row: DuplicateRow,
  people: ReadonlyMap<string, Contact>,
): z.infer<typeof DuplicateView> {
  const person = (id: string) => {
    const contact = people.get(id);
    return contact ? contactView(contact) : null;
  };
  return {
    id: row.id,
    status: row.status as "pending" | "merged" | "dismissed",
    probability: row.probability,
    evidence: row.evidence,
    a: person(row.a),
    b: person(row.b),
    createdAt: iso(row.createdAt)!,
    decidedAt: iso(row.decidedAt),
    decidedBy: row.decidedBy,
  };
}
