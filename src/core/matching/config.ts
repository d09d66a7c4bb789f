import { z } from "zod";
import { parseConfigFile } from "../mapping-spec.ts";

/**
 * `mappings/matching.json`: the probabilistic (Fellegi-Sunter) matcher's settings.
 *
 * - `comparisons`: one per field (or group of fields, e.g. phone + mobilePhone), each an
 *   ordered list of levels; the first level whose test passes is the pair's level. The last
 *   level must be `else`. A pair where either side is blank gets the null level (weight 0).
 * - `m`/`u` per level: a probability, or `"estimate"`. Estimated u comes from random record
 *   pairs (Splink's `estimate_u_using_random_sampling`), estimated m by EM on the blocked
 *   candidate pairs (Splink's `estimate_parameters_using_expectation_maximisation`).
 * - `prior`: probability that two records drawn at random are the same person, or
 *   `"estimate"` (the matches EM expects among the candidate pairs, over all pairs). It is a
 *   rate over all pairs, as u is (u comes from random pairs too), so blocking, which picks
 *   pairs that already agree on names, is not counted twice; a match has to be earned by the
 *   evidence, and the larger the population the more it takes.
 * - `thresholds`: match probabilities; >= autoMerge is a merge, >= review a review.
 */
const Probability = z.number().gt(0).lte(1);
const Estimable = z.union([Probability, z.literal("estimate")]);

export const LevelTestSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("exact") }),
  /** Same canonical first name via the nickname table (bill = william). */
  z.strictObject({ type: z.literal("nickname") }),
  /** Same primary or alternate double-metaphone code. */
  z.strictObject({ type: z.literal("metaphone") }),
  z.strictObject({
    type: z.literal("jaroWinkler"),
    threshold: z.number().gt(0).lte(1),
    /** Values whose digits differ (hs0, hs1) never pass: numbered accounts are distinct. */
    sameDigits: z.boolean().optional(),
  }),
  /**
   * The value starts as the other record's `field` does and is within Jaro-Winkler
   * `threshold` of it (either way round): given name and surname swapped, as family-name-first
   * order does.
   */
  z.strictObject({
    type: z.literal("swapped"),
    field: z.string().min(1),
    threshold: z.number().gt(0).lte(1),
  }),
  /** Damerau-Levenshtein distance (adjacent transpositions count 1). */
  z.strictObject({ type: z.literal("levenshtein"), maxDistance: z.number().int().min(1) }),
  /** Same first `length` characters (e.g. year and month of YYYYMMDD). */
  z.strictObject({ type: z.literal("prefix"), length: z.number().int().min(1) }),
  /** Same last `length` characters (e.g. subscriber digits of a phone). */
  z.strictObject({ type: z.literal("suffix"), length: z.number().int().min(1) }),
  /** Email: same local part, any domain. */
  z.strictObject({ type: z.literal("emailLocal") }),
  /** Email: local parts within Jaro-Winkler `threshold`. */
  z.strictObject({
    type: z.literal("emailLocalJaroWinkler"),
    threshold: z.number().gt(0).lte(1),
    /** Local parts whose digits differ (acc.hs.0, acc.hs.1) never pass. */
    sameDigits: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal("else") }),
]);
export type LevelTest = z.infer<typeof LevelTestSchema>;

export const LevelSchema = z.strictObject({
  name: z.string().min(1),
  when: LevelTestSchema,
  m: Estimable,
  u: Estimable,
});

export const ComparisonSchema = z
  .strictObject({
    /** Name in evidence; defaults to the first field. */
    name: z.string().min(1).optional(),
    /** Record fields compared; with several, the best level over all value pairs counts. */
    fields: z.array(z.string().min(1)).min(1),
    /** Term-frequency adjustment of the `exact` level: common values weigh less. */
    termFrequency: z.boolean().default(false),
    levels: z.array(LevelSchema).min(2),
  })
  .superRefine((c, ctx) => {
    c.levels.forEach((level, i) => {
      const last = i === c.levels.length - 1;
      if (last !== (level.when.type === "else"))
        ctx.addIssue({
          code: "custom",
          path: ["levels", i, "when", "type"],
          message: last ? "the last level must be `else`" : "`else` must be the last level",
        });
    });
  });
export type Comparison = z.infer<typeof ComparisonSchema>;

export const BlockingKeySchema = z.strictObject({
  field: z.string().min(1),
  transform: z.enum(["exact", "metaphone", "prefix", "initial", "emailLocal", "last"]),
  /** Characters kept by `prefix` / `last`. */
  length: z.number().int().min(1).optional(),
});
export type BlockingKey = z.infer<typeof BlockingKeySchema>;

export const BlockingSchema = z.strictObject({
  /** Candidate pairs are the union over rules; a record with a blank key part skips a rule. */
  rules: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        keys: z.array(BlockingKeySchema).min(1),
        /** Key parts in sorted order, so records with the two values swapped share a block. */
        unordered: z.boolean().optional(),
        /**
         * This rule's sorted-neighbourhood window in oversized blocks (default
         * `blocking.window`); 0 skips them: a loose rule (initial + surname prefix) whose big
         * blocks nominate mostly strangers.
         */
        window: z.number().int().min(0).optional(),
        /** This rule's block size cap (default `blocking.maxBlockSize`). */
        maxBlockSize: z.number().int().min(2).optional(),
      }),
    )
    .min(1)
    .max(255),
  /** Blocks larger than this are sub-blocked by a sorted-neighbourhood window. */
  maxBlockSize: z.number().int().min(2).default(100),
  /** Window of the sorted neighbourhood inside oversized blocks. */
  window: z.number().int().min(2).default(10),
  /** Fields that order records inside an oversized block. */
  sortBy: z.array(z.string().min(1)).default(["lastName", "firstName"]),
});

export const EmailProviderSchema = z.strictObject({
  domains: z.array(z.string().min(1)).min(1),
  /** Domain every alias maps to (googlemail.com -> gmail.com). */
  canonicalDomain: z.string().min(1).optional(),
  stripDots: z.boolean().default(false),
  /** Drop everything from the first `+` in the local part. */
  stripPlusTag: z.boolean().default(false),
});
export type EmailProvider = z.infer<typeof EmailProviderSchema>;

export const MatchingConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    prior: Estimable,
    thresholds: z.strictObject({ autoMerge: Probability, review: Probability }),
    comparisons: z.array(ComparisonSchema).min(1),
    blocking: BlockingSchema,
    email: z
      .strictObject({ providers: z.array(EmailProviderSchema).default([]) })
      .default({ providers: [] }),
    phone: z
      .strictObject({ defaultCountry: z.string().length(2).default("US") })
      .default({ defaultCountry: "US" }),
    estimation: z
      .strictObject({
        /** Random record pairs sampled for u. */
        uSamplePairs: z.number().int().min(100).default(50_000),
        /**
         * Stored people the online matcher fits its model on at most, drawn at random (plus
         * the batch's own people), so a fit costs the same in a store of any size.
         */
        sampleSize: z.number().int().min(100).default(20_000),
        emIterations: z.number().int().min(1).default(25),
        /**
         * Blocking rules (by name) whose pairs train m by EM; default all. Pick rules whose
         * blocks hold mostly one person each on fields independent of the rest (an email, a
         * phone, a date of birth), not name-derived ones.
         */
        trainingRules: z.array(z.string().min(1)).optional(),
        seed: z.number().int().default(42),
        /** Expected matches a rule's EM run must find to be used; fewer and m keeps its starting values. */
        minTrainingMatches: z.number().int().min(1).default(50),
        /** Smallest u used in a weight, and smallest term frequency. */
        minU: Probability.default(1e-5),
      })
      .default({
        uSamplePairs: 50_000,
        sampleSize: 20_000,
        emIterations: 25,
        seed: 42,
        minU: 1e-5,
        minTrainingMatches: 50,
      }),
  })
  .superRefine((c, ctx) => {
    const names = new Set(c.blocking.rules.map((r) => r.name));
    c.estimation.trainingRules?.forEach((name, i) => {
      if (!names.has(name))
        ctx.addIssue({
          code: "custom",
          path: ["estimation", "trainingRules", i],
          message: `no blocking rule is named "${name}"`,
        });
    });
    if (c.thresholds.review > c.thresholds.autoMerge)
      ctx.addIssue({
        code: "custom",
        path: ["thresholds", "review"],
        message: "must not exceed thresholds.autoMerge",
      });
  });
export type MatchingConfig = z.infer<typeof MatchingConfigSchema>;

/** Validates `mappings/matching.json`; errors name the file and the field path. */
export function parseMatchingConfig(file: string, json: unknown): MatchingConfig {
  return parseConfigFile(MatchingConfigSchema, file, json);
}
