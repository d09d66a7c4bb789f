import type { Connector, SourceRecord, SystemName, WriteOp } from "../../connectors/contract.ts";
import { type Contact, emailAddress, linkKey } from "../core/contact.ts";
import type { Identity } from "../core/identity.ts";
import { mapIn } from "../core/mapping.ts";
import type { MappingSet } from "../core/mapping-set.ts";
import { type PlannedWrite, planContact } from "../core/plan.ts";
import { WorkingSet } from "../core/resolve.ts";
import type { RfmScore } from "../core/scoring/rfm.ts";
import type { ScoringRules } from "../core/scoring/rules.ts";
import type { Store } from "../store/index.ts";
import { type ConsentSlots, syncConsent } from "./consent-sync.ts";
import type { Matcher } from "./dedupe.ts";
import { withoutErased } from "./erasure.ts";
import { recordKey } from "./record-merge-plan.ts";
import { mergeInSystems, plannedRecordMerges, withoutMergedAway } from "./record-merges.ts";
import { rescoreTouched } from "./scoring.ts";

export interface PipelineDeps {
  store: Store;
  connectors: ReadonlyMap<SystemName, Connector>;
  mappings: MappingSet;
  identity: Identity;
  /** Probabilistic matching of the people a batch touches; without it only deterministic keys join records. */
  matcher?: Matcher;
  /** Lead scoring; without it no score is computed or written. */
  scoring?: ScoringRules;
  /** Which consent slots each system holds; without it consent is not synced. */
  consentSlots?: ConsentSlots;
  now: () => number;
  newId: () => string;
}

/** Counts for one batch; keys like "salesforce.create" are per target system. */
export type BatchCounts = Record<string, number>;

export interface BatchOptions {
  /** Plan and count, store and write nothing. */
  dryRun?: boolean;
  /**
   * A notice's batch: matched on the model in use, never waiting for a refit (the next job
   * page or notice-free batch makes it), so a webhook's change is not held by one.
   */
  urgent?: boolean;
  /** Resolve and save now, queue the people for writing (the push queue): a run reads every system before it writes. */
  defer?: boolean;
}

/**
 * One batch through resolve -> match -> merge -> score -> plan -> push. Records come from
 * any source (webhook fetch, incremental pull, backfill page). With `dryRun` the same plan
 * is made, counted and thrown away: nothing is stored and nothing is written to any system.
 */
export async function syncRecords(
  deps: PipelineDeps,
  records: SourceRecord[],
  options: BatchOptions = {},
): Promise<BatchCounts> {
  const counts: BatchCounts = { read: records.length };
  const live = await withoutErased(deps, records);
  if (live.length < records.length) counts.erased = records.length - live.length;
  records = await withoutMergedAway(deps, live);
  if (records.length < live.length) counts.mergedAway = live.length - records.length;
  const ws = new WorkingSet(await loadContacts(deps, records), deps.newId, deps.identity);
  counts.changed = applyAll(deps, ws, records);
  if (deps.matcher) addCounts(counts, await deps.matcher.resolveTouched(deps, ws, options));
  if (options.defer && !options.dryRun) {
    const touched = [...ws.touched];
    await deps.store.contacts.save(touched.map((id) => ws.contacts.get(id)!));
    await deps.store.pushQueue.add(touched, deps.now());
    return counts;
  }
  const justRead = new Set(records.map((r) => recordKey(r.system, r.object, r.externalId)));
  return publish(deps, ws, counts, { ...options, justRead });
}

/** Re-scores these people and writes whatever other systems lack (rescore jobs, new engagement). */
export async function publishPeople(
  deps: PipelineDeps,
  ids: string[],
  rfm?: ReadonlyMap<string, RfmScore>,
): Promise<BatchCounts> {
  const ws = new WorkingSet(await deps.store.contacts.load(ids), deps.newId, deps.identity);
  for (const id of ids) ws.touch(id);
  return publish(deps, ws, {}, { ...(rfm ? { rfm } : {}) });
}

async function publish(
  deps: PipelineDeps,
  ws: WorkingSet,
  counts: BatchCounts,
  options: BatchOptions & {
    rfm?: ReadonlyMap<string, RfmScore>;
    /** Records (`recordKey`) this batch read from their system moments ago: not read again. */
    justRead?: ReadonlySet<string>;
  },
): Promise<BatchCounts> {
  if (deps.scoring) {
    const rescored = await rescoreTouched({ ...deps, scoring: deps.scoring }, ws, options.rfm);
    if (rescored > 0) counts.rescored = (counts.rescored ?? 0) + rescored;
  }
  let { writes, held } = await planTouched(deps, ws);
  if (writes.length > 0) {
    // Read the targets just before writing: a concurrent edit there must win if newer,
    // and an existing record with the same email must be linked, not duplicated.
    const fresh = await withoutErased(
      deps,
      await refreshTargets(deps, ws, writes, options.justRead),
    );
    // Nothing read back (people new to every target) leaves the plan as it is.
    if (fresh.length > 0) {
      ws.include(
        await loadContacts(
          deps,
          fresh.filter((r) => !ws.contactByLink(r)),
        ),
      );
      applyAll(deps, ws, fresh);
      ({ writes, held } = await planTouched(deps, ws));
    }
  }
  if (held > 0) counts["held.create"] = (counts["held.create"] ?? 0) + held;
  const touched = [...ws.touched].map((id) => ws.contacts.get(id)!);
  // People merged in the hub who still have several records in one system: the records
  // about to be merged away there are not written first; the survivor is, so it holds the
  // merged values when the system folds the others into it.
  const merges = await plannedRecordMerges(deps, touched);
  const folded = new Set(
    merges.flatMap((m) => m.mergedIds.map((id) => recordKey(m.system, m.object, id))),
  );
  writes = writes.filter(
    (w) => !w.externalId || !folded.has(recordKey(w.system, w.object, w.externalId)),
  );
  for (const write of writes) {
    const key = `${write.system}.${write.externalId ? "update" : "create"}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  if (options.dryRun) {
    for (const m of merges) counts[`${m.system}.merge`] = (counts[`${m.system}.merge`] ?? 0) + 1;
    return addCounts(counts, await syncConsent(deps, touched, options));
  }

  await deps.store.contacts.save(touched);
  addCounts(counts, await syncConsent(deps, touched));
  const failed = await push(deps, ws.contacts, writes);
  addCounts(counts, { failed: failed.size });
  // A survivor whose write failed would not hold the merged values yet: merge after its retry.
  const ready = merges.filter((m) => !failed.has(recordKey(m.system, m.object, m.primaryId)));
  if (ready.length > 0) addCounts(counts, await mergeInSystems(deps, ws.contacts, ready));
  await deps.store.contacts.save(touched);
  return counts;
}

export function addCounts(into: BatchCounts, more: BatchCounts): BatchCounts {
  for (const [key, n] of Object.entries(more)) into[key] = (into[key] ?? 0) + n;
  return into;
}

async function loadContacts(deps: PipelineDeps, records: SourceRecord[]): Promise<Contact[]> {
  const keys = records.flatMap((record) => {
    const mapping = deps.mappings.get(record.system, record.object);
    return mapping ? deps.identity.keys(mapIn(mapping, record.fields)) : [];
  });
  return deps.store.contacts.loadFor(records, keys);
}

function applyAll(deps: PipelineDeps, ws: WorkingSet, records: SourceRecord[]): number {
  let changed = 0;
  const now = deps.now();
  for (const record of records) {
    const mapping = deps.mappings.get(record.system, record.object);
    if (!mapping) continue;
    const result = ws.apply(record, mapping, deps.mappings.rules, now);
    if (result.changed.length > 0 || result.linked) changed++;
  }
  return changed;
}

/**
 * Writes for the touched people. A pair waiting for review never holds up a person some
 * system already keeps as a record of its own: they are created everywhere else at once,
 * and if the reviewer merges, the hub merges their records in each system too. Only a
 * person no connected system holds yet (rows of an imported file) waits for the decision
 * before being created anywhere: until then nobody is expecting them, and a merge then
 * leaves no copy to fold away.
 */
async function planTouched(
  deps: PipelineDeps,
  ws: WorkingSet,
): Promise<{ writes: PlannedWrite[]; held: number }> {
  const targets = deps.mappings.targets.filter((t) => deps.connectors.has(t.system));
  const pending = await deps.store.duplicates.pendingAmong([...ws.touched]);
  const waits = (id: string) =>
    pending.has(id) && !ws.contacts.get(id)!.links.some((l) => !l.system.startsWith("csv:"));
  const planned = [...ws.touched].flatMap((id) =>
    planContact(ws.contacts.get(id)!, targets, deps.mappings.rules),
  );
  const writes = planned.filter((w) => w.externalId !== undefined || !waits(w.contactId));
  return { writes, held: planned.length - writes.length };
}

async function refreshTargets(
  deps: PipelineDeps,
  ws: WorkingSet,
  writes: PlannedWrite[],
  justRead: ReadonlySet<string> = new Set(),
): Promise<SourceRecord[]> {
  const reads = [...groupBySystem(writes)].map(async ([system, list]) => {
    const connector = deps.connectors.get(system)!;
    const idsByObject = new Map<string, string[]>();
    const emails = new Set<string>();
    for (const w of list) {
      if (w.externalId && !justRead.has(recordKey(system, w.object, w.externalId)))
        idsByObject.set(w.object, [...(idsByObject.get(w.object) ?? []), w.externalId]);
      const email = emailAddress(ws.contacts.get(w.contactId)?.golden.email?.value);
      if (!w.externalId && email) emails.add(email);
    }
    const found = await Promise.all([
      ...[...idsByObject].map(([object, ids]) => connector.fetchByIds(object, ids)),
      emails.size > 0 ? connector.findByEmails([...emails]) : Promise.resolve([]),
    ]);
    return found.flat();
  });
  return (await Promise.all(reads)).flat();
}

function groupBySystem(writes: PlannedWrite[]): Map<SystemName, PlannedWrite[]> {
  const bySystem = new Map<SystemName, PlannedWrite[]>();
  for (const write of writes)
    bySystem.set(write.system, [...(bySystem.get(write.system) ?? []), write]);
  return bySystem;
}

/**
 * Writes per system in parallel; successes update the links, failures become dead letters.
 * Returns the records whose update failed (`system/object/externalId`) and one entry per
 * failed create.
 */
async function push(
  deps: PipelineDeps,
  contacts: Map<string, Contact>,
  writes: PlannedWrite[],
): Promise<Set<string>> {
  const failed = new Set<string>();
  await Promise.all(
    [...groupBySystem(writes)].map(async ([system, list]) => {
      const ops: WriteOp[] = list.map((w, i) => ({
        ref: String(i),
        object: w.object,
        ...(w.externalId ? { externalId: w.externalId } : {}),
        fields: w.fields,
      }));
      const results = await deps.connectors.get(system)!.write(ops);
      const now = deps.now();
      const letters = [];
      for (const result of results) {
        const write = list[Number(result.ref)]!;
        const contact = contacts.get(write.contactId)!;
        if (result.ok && result.externalId) {
          recordWrite(contact, write, result.externalId, now);
          continue;
        }
        failed.add(recordKey(system, write.object, write.externalId ?? `new:${write.contactId}`));
        letters.push({
          id: deps.newId(),
          contactId: write.contactId,
          system,
          object: write.object,
          externalId: write.externalId ?? null,
          operation: write.externalId ? ("update" as const) : ("create" as const),
          error: {
            code: result.error?.code ?? "UNKNOWN",
            message: result.error?.message ?? "no result for this record",
            ...(result.error?.fields ? { fields: result.error.fields } : {}),
          },
          // Retried automatically later (src/sync/retry.ts) when the error says it can pass.
          retryable: result.error?.retryable ?? false,
          createdAt: now,
        });
      }
      await deps.store.deadLetters.add(letters);
    }),
  );
  return failed;
}

function recordWrite(contact: Contact, write: PlannedWrite, externalId: string, now: number) {
  const ref = { system: write.system, object: write.object, externalId };
  const existing = contact.links.find((l) => linkKey(l) === linkKey(ref));
  if (existing) {
    existing.observed = { ...existing.observed, ...write.observed };
    existing.lastSyncedAt = now;
  } else {
    contact.links.push({ ...ref, observed: write.observed, lastSyncedAt: now, createdByHub: true });
  }
}

/** Records deleted in their system lose their link; the person and the other links stay. */
export async function unlinkRecords(
  deps: PipelineDeps,
  refs: Pick<SourceRecord, "system" | "object" | "externalId">[],
): Promise<void> {
  const ws = new WorkingSet(await deps.store.contacts.loadFor(refs, []), deps.newId, deps.identity);
  for (const ref of refs) ws.unlink(ref, deps.mappings.rules, deps.now());
  await deps.store.contacts.save([...ws.touched].map((id) => ws.contacts.get(id)!));
}
