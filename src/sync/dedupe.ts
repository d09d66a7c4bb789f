import { attributesOf, type Contact } from "../core/contact.ts";
import { type Identity, keyString, type MatchKey, matchFields } from "../core/identity.ts";
import {
  type FittedMatcher,
  type FittedModel,
  fitModelOf,
  forPopulation,
  type MatchingConfig,
  type MatchRecord,
  matcherOf,
  type Pair,
  type PreparedRecord,
  prepareRecord,
} from "../core/matching/index.ts";
import { mergeContacts } from "../core/merge.ts";
import type { WorkingSet } from "../core/resolve.ts";
import type { Store } from "../store/index.ts";
import type { BatchCounts } from "./pipeline.ts";

type Scored = Omit<Pair, "a" | "b">;

export interface MatcherDeps {
  store: Store;
  identity: Identity;
  mappings: { rules: Parameters<typeof mergeContacts>[2] };
  now: () => number;
  newId: () => string;
}

export const matchRecordOf = (contact: Contact): MatchRecord => ({
  id: contact.id,
  fields: matchFields(attributesOf(contact.golden)),
});

/**
 * A person's records as the matcher sees them: each linked record's own values (distinct
 * ones: a value the hub wrote and saw echoed is the same record twice; records the hub
 * created are left out), and with `golden`
 * the merged record too. A person of several rows is as many records as the rows, so a
 * fit sees the duplicates the store already folded (a fit on merged people would see
 * almost none and learn little), and a new record is compared with each row, not only
 * with the merged one.
 */
export function matchViewsOf(contact: Contact, golden: boolean): MatchRecord[] {
  const seen = new Set<string>();
  const out: MatchRecord[] = [];
  const add = (fields: Record<string, string | null>) => {
    const text = JSON.stringify(fields);
    if (seen.has(text) || Object.keys(fields).length === 0) return;
    seen.add(text);
    out.push({ id: out.length === 0 ? contact.id : `${contact.id}#${out.length}`, fields });
  };
  if (golden || contact.links.length === 0) add(matchFields(attributesOf(contact.golden)));
  // A record the hub created holds only what the hub wrote there: nothing new to compare.
  for (const link of contact.links)
    if (!link.createdByHub) add(matchFields(attributesOf(link.observed)));
  if (out.length === 0) out.push(matchRecordOf(contact));
  return out;
}

/**
 * Systems that keep one record per person and made this person's record themselves. An
 * imported file says nothing of the kind, nor does a copy the hub created there (while the
 * pair waited for review, say): the hub merges its own copies in that system.
 */
const systemsOf = (contact: Contact) =>
  new Set(
    contact.links
      .filter((l) => !l.createdByHub && !l.system.startsWith("csv:"))
      .map((l) => l.system),
  );

/**
 * Two people who each already have a record in the same system are, as far as that system
 * knows, two people; merging them automatically would have the hub write one golden record
 * over both. Such pairs go to review instead, where a person can say otherwise. Rows of an
 * imported file are not such a statement: a file with a person twice is what dedup is for.
 */
export const shareASystem = (a: Contact, b: Contact) =>
  [...systemsOf(a)].some((system) => systemsOf(b).has(system));

/**
 * Whether a model fitted on `fitted` people should be refitted for `now`: small populations
 * change character quickly (growth by a fifth); from 500 people on, a fit costs most of a
 * second or more (u is sampled from 50,000 pairs), so only a doubling triggers one.
 */
const outgrown = (fitted: number, now: number) =>
  now >= (fitted < SMALL_POPULATION ? fitted * 1.2 + 10 : fitted * 2);

/**
 * Below this many people batches wait for a fit; past it they go on with the current model
 * while the next is fitted elsewhere (a 50,000-pair fit is about 0.7 s of the engine's CPU).
 */
const SMALL_POPULATION = 500;

/** What the current model was fitted on. */
export interface FittedOn {
  /** People in the fit: the sample of stored people plus the batch's own. */
  people: number;
  /** Stored people drawn (at most `estimation.sampleSize`). */
  sampled: number;
  /** Whether the sample was full size (the store held at least `estimation.sampleSize` people). */
  full: boolean;
}

/** How often a model fitted on a full-size sample looks at whether the store has doubled. */
const RECOUNT_MS = 30_000;

/** Stored people loaded per read while sampling. */
const SAMPLE_PAGE = 1000;

/**
 * The records a model is fitted on: those of at most `estimation.sampleSize` stored people
 * drawn at random (so a fit reads and holds the same in a store of any size), then the
 * batch's own (see `matchViewsOf`).
 */
async function fitPopulation(deps: MatcherDeps, batch: readonly Contact[]) {
  const cap = deps.identity.config.estimation.sampleSize;
  // In id order, as reading the whole store gave them: a store within the cap fits as before.
  const ids = (await deps.store.contacts.sampleIds(cap)).sort();
  const people = new Map<string, MatchRecord[]>();
  for (let i = 0; i < ids.length; i += SAMPLE_PAGE) {
    const part = ids.slice(i, i + SAMPLE_PAGE);
    const loaded = new Map((await deps.store.contacts.load(part)).map((c) => [c.id, c]));
    for (const id of part) {
      const contact = loaded.get(id);
      if (contact) people.set(id, matchViewsOf(contact, false));
    }
  }
  // The batch counts too: a first import of a file is matched on a model of that file.
  for (const contact of batch) people.set(contact.id, matchViewsOf(contact, false));
  return {
    records: [...people.values()].flat(),
    people: people.size,
    sampled: ids.length,
    full: ids.length >= cap,
  };
}

/** Fits a model somewhere other than the caller's thread (Node: a fit thread). */
export type FitElsewhere = (
  records: readonly MatchRecord[],
  config: MatchingConfig,
) => Promise<FittedModel>;

export interface MatcherOptions {
  /**
   * Where to refit a population past 500 people, while batches go on with the current
   * model (the new one replaces it when ready). Without it every fit runs in the batch that
   * needs it, as first fits and refits of a small population always do: they take a
   * fraction of a second, and a small population changes character quickly.
   */
  fitElsewhere?: FitElsewhere;
  /** Told when a fit made elsewhere failed (the current model stays). */
  onFitError?: (error: unknown) => void;
}

/**
 * Probabilistic identity resolution for the people a batch touched. The Fellegi-Sunter
 * model (u by sampling, m and the prior by EM, as the config says) is fitted on the records
 * (`matchViewsOf`) of at most `estimation.sampleSize` stored people drawn at random plus the
 * batch's own; a model of a sample is stated for the whole store (`forPopulation`). While that
 * sample is smaller than the cap, the model is refitted as the population grows
 * (`outgrown`); once fitted on a full-size sample, it is drawn again when the store has doubled, or on `refit()`. Candidates come
 * from the blocking keys saved with each person, so a batch costs one indexed lookup per
 * distinct key, never a pass over the store.
 */
export function createMatcher(options: MatcherOptions = {}) {
  let fitted: (FittedOn & { scorer: FittedMatcher; stored: number; countedAt: number }) | null =
    null;
  let refitAsked = false;
  let fitting: Promise<void> | null = null;

  /** Whether to refit: when asked to, or when a population below the cap has outgrown the model. */
  async function stale(deps: MatcherDeps, batch: readonly Contact[]) {
    if (!fitted || refitAsked) return true;
    if (!fitted.full)
      return outgrown(fitted.people, (await deps.store.contacts.count()) + batch.length);
    // A full-size sample is drawn again when the store it was drawn from has doubled;
    // counting a large store costs a scan, so that is looked at once in a while.
    const now = deps.now();
    if (now - fitted.countedAt < RECOUNT_MS) return false;
    fitted.countedAt = now;
    return (await deps.store.contacts.count()) >= fitted.stored * 2;
  }

  async function refitOn(deps: MatcherDeps, batch: readonly Contact[], elsewhere?: FitElsewhere) {
    refitAsked = false;
    const { records, people, sampled, full } = await fitPopulation(deps, batch);
    const { config } = deps.identity;
    const fit = elsewhere ? await elsewhere(records, config) : fitModelOf(records, config);
    const stored = full ? await deps.store.contacts.count() : sampled;
    // A sample of a larger store: the prior is that of two random records of the store.
    const model = full
      ? forPopulation(fit.model, Math.round((fit.model.records * stored) / Math.max(1, sampled)))
      : fit.model;
    const scorer = matcherOf({ ...fit, model }, config);
    fitted = { people, sampled, full, scorer, stored, countedAt: deps.now() };
  }

  /** Starts a fit unless one is running; the promise settles when the model is replaced. */
  function startFit(deps: MatcherDeps, batch: readonly Contact[], elsewhere?: FitElsewhere) {
    fitting ??= refitOn(deps, batch, elsewhere).finally(() => {
      fitting = null;
    });
    return fitting;
  }

  async function scorer(deps: MatcherDeps, batch: readonly Contact[]) {
    if (fitted && !(await stale(deps, batch))) return fitted.scorer;
    const { fitElsewhere } = options;
    if (fitted && fitElsewhere && fitted.people >= SMALL_POPULATION) {
      startFit(deps, batch, fitElsewhere).catch((error: unknown) => options.onFitError?.(error));
      return fitted.scorer;
    }
    await (fitted ? startFit(deps, batch) : (fitting ?? startFit(deps, batch)));
    return fitted!.scorer;
  }

  /**
   * Candidates of each touched person: stored people and people of this batch sharing a
   * blocking key, read for the whole batch at once.
   */
  async function candidatesOf(
    deps: MatcherDeps,
    ws: WorkingSet,
    blockingKeys: ReadonlyMap<string, MatchKey[]>,
  ) {
    const { blocking } = deps.identity.config;
    const capOf = new Map(
      blocking.rules.map((r) => [`block:${r.name}`, r.maxBlockSize ?? blocking.maxBlockSize]),
    );
    const capFor = (key: MatchKey) => capOf.get(key.kind) ?? blocking.maxBlockSize;
    const byCap = new Map<number, MatchKey[]>();
    for (const key of [...blockingKeys.values()].flat()) {
      const cap = capFor(key);
      const keys = byCap.get(cap);
      if (keys) keys.push(key);
      else byCap.set(cap, [key]);
    }
    const stored = new Map<string, string[]>();
    for (const [cap, keys] of byCap)
      for (const [k, ids] of await deps.store.contacts.holders(keys, cap)) stored.set(k, ids);
    const ids = new Map<string, Set<string>>();
    const missing = new Set<string>();
    for (const [id, keys] of blockingKeys) {
      const found = new Set<string>();
      for (const key of keys)
        for (const other of stored.get(keyString(key)) ?? []) {
          found.add(other);
          if (!ws.contacts.has(other)) missing.add(other);
        }
      ids.set(id, found);
    }
    ws.include(await deps.store.contacts.load([...missing]));
    const inBatch = new Map<string, Set<string>>();
    for (const [id, keys] of blockingKeys)
      for (const key of keys) {
        const k = keyString(key);
        inBatch.set(k, (inBatch.get(k) ?? new Set()).add(id));
      }
    // A key the batch itself holds more often than its block may be large nominates nobody,
    // as it would in the store: else a page of 500 sharing one key is 250,000 pairs.
    for (const [id, keys] of blockingKeys) {
      const found = ids.get(id)!;
      for (const key of keys) {
        const group = inBatch.get(keyString(key))!;
        if (group.size > capFor(key)) continue;
        for (const other of group) found.add(other);
      }
      found.delete(id);
    }
    return ids;
  }

  /**
   * Scores each touched person against their candidates, record by record (the best pair
   * of the two people's records counts, see `matchViewsOf`). Candidates at or above the
   * auto-merge threshold are merged, best first, each scored against the person merged so
   * far (the older person survives), unless both already have a record in one system; the
   * best pair between the thresholds is queued for review. Pairs people dismissed, or split
   * by an unmerge, are never proposed again.
   */
  async function resolveTouched(
    deps: MatcherDeps,
    ws: WorkingSet,
    options: { dryRun?: boolean; urgent?: boolean } = {},
  ): Promise<BatchCounts> {
    const counts: BatchCounts = {};
    const model =
      // Growth can wait for the next job page; an operator's refit request cannot.
      options.urgent && fitted && !refitAsked
        ? fitted.scorer
        : await scorer(
            deps,
            [...ws.touched].map((id) => ws.contacts.get(id)!),
          );
    const prepared = preparedRecords(deps);
    const { thresholds } = deps.identity.config;
    const blockingKeys = new Map<string, MatchKey[]>();
    for (const id of ws.touched)
      blockingKeys.set(
        id,
        deps.identity.contactKeys(ws.contacts.get(id)!).filter((k) => k.kind.startsWith("block:")),
      );
    const candidates = await candidatesOf(deps, ws, blockingKeys);
    // A person merged away earlier in this batch is found as the one who absorbed them.
    const mergedInto = new Map<string, string>();
    const current = (id: string): Contact | undefined => {
      let at = id;
      for (let next = mergedInto.get(at); next; next = mergedInto.get(at)) at = next;
      return ws.contacts.get(at);
    };
    /** The best-scoring pair of the two people's records, with its evidence when asked. */
    const scoreBest = (a: Contact, b: Contact, withEvidence: boolean): Scored => {
      let best: { scored: Scored; x: PreparedRecord; y: PreparedRecord } | null = null;
      for (const x of prepared(a))
        for (const y of prepared(b)) {
          const scored = model.scorePrepared(x, y, false);
          if (!best || scored.weight > best.scored.weight) best = { scored, x, y };
        }
      return withEvidence ? model.scorePrepared(best!.x, best!.y) : best!.scored;
    };
    for (const [id, ids] of candidates) {
      const proposed = new Set<string>();
      let reviewed = false;
      for (;;) {
        const contact = current(id);
        if (!contact) break;
        let best: { other: Contact; probability: number } | null = null;
        const others = new Set([...ids].map(current));
        for (const other of others) {
          if (!other || other.id === contact.id || proposed.has(other.id)) continue;
          const { probability } = scoreBest(contact, other, false);
          if (probability < (reviewed ? thresholds.autoMerge : thresholds.review)) continue;
          const decided = await deps.store.duplicates.forPair(contact.id, other.id);
          if (decided && decided.status !== "pending") continue;
          if (!best || probability > best.probability) best = { other, probability };
        }
        if (!best) break;
        const { other } = best;
        const scored = scoreBest(contact, other, true);
        if (scored.decision === "merge" && !shareASystem(contact, other)) {
          const loser = await merge(deps, ws, contact, other, scored, options);
          mergedInto.set(loser, loser === contact.id ? other.id : contact.id);
          counts.merged = (counts.merged ?? 0) + 1;
          continue;
        }
        proposed.add(other.id);
        reviewed = true;
        if (options.dryRun) continue;
        await deps.store.duplicates.propose({
          id: deps.newId(),
          a: contact.id,
          b: other.id,
          probability: scored.probability,
          evidence: scored.evidence,
          createdAt: deps.now(),
        });
        counts.review = (counts.review ?? 0) + 1;
      }
    }
    return counts;
  }

  return {
    resolveTouched,
    /**
     * Asks for a fresh fit: the next batch fits the model on a new random sample (at most
     * `estimation.sampleSize` stored people plus the batch's own). Growth refits on its own
     * (below the cap as it grows, past it when the store doubles); this is for the rest,
     * e.g. after a large merge or once people's data changed much (`POST /v1/matcher/refit`).
     */
    refit(): void {
      refitAsked = true;
    },
    /** Settles when no fit is running (tests, shutdown). */
    async settled(): Promise<void> {
      await fitting?.catch(() => undefined);
    },
    /** What the current model was fitted on; null before the first batch. */
    fittedOn(): FittedOn | null {
      return fitted && { people: fitted.people, sampled: fitted.sampled, full: fitted.full };
    },
  };
}

/**
 * Each contact's records (`matchViewsOf`, the merged one included) normalized once per
 * batch: a stored person may be the candidate of many touched ones. Keyed by the object,
 * so a person replaced by a merge is prepared afresh.
 */
function preparedRecords(deps: MatcherDeps) {
  const cache = new Map<Contact, PreparedRecord[]>();
  return (contact: Contact) => {
    let records = cache.get(contact);
    if (!records) {
      records = matchViewsOf(contact, true).map((r) => prepareRecord(r, deps.identity.config));
      cache.set(contact, records);
    }
    return records;
  };
}

export type Matcher = ReturnType<typeof createMatcher>;

async function merge(
  deps: MatcherDeps,
  ws: WorkingSet,
  x: Contact,
  y: Contact,
  scored: Scored,
  options: { dryRun?: boolean },
): Promise<string> {
  const [winner, loser] = olderFirst(x, y);
  const now = deps.now();
  const merged = mergeContacts(winner, loser, deps.mappings.rules, now);
  ws.replaceMerged(merged, loser.id);
  if (options.dryRun) return loser.id;
  const evidence = {
    probability: scored.probability,
    weight: scored.weight,
    evidence: scored.evidence,
  };
  await deps.store.contacts.mergeInto(merged, loser, {
    id: deps.newId(),
    winnerId: winner.id,
    loser,
    reason: "matcher",
    evidence,
    createdAt: now,
  });
  await deps.store.duplicates.decide(
    winner.id,
    loser.id,
    { status: "merged", at: now, by: "matcher", id: deps.newId() },
    scored,
  );
  await deps.store.duplicates.dropPendingOf(loser.id);
  return loser.id;
}

/** The person who survives a merge: the older one (ties by id). */
export const olderFirst = (x: Contact, y: Contact): [Contact, Contact] =>
  x.createdAt < y.createdAt || (x.createdAt === y.createdAt && x.id < y.id) ? [x, y] : [y, x];
