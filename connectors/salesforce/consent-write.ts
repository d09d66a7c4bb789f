/**
 * ConsentCapable for Salesforce, writing side: check/uncheck opt-out boxes and upsert
 * ContactPointTypeConsent records (creating and linking the Individual first), sending only
 * what changes. What each statement means is decided in consent-map.ts (planConsentWrite).
 */
import type { ConsentWrite, WriteError, WriteResult } from "../contract.ts";
import type { SalesforceRecord } from "./api-types.ts";
import {
  type ConsentContext,
  id15,
  namedPurposeIds,
  PEOPLE,
  readConsentRecords,
  readPeople,
} from "./consent.ts";
import { CONTACT_POINT_TYPE, planConsentWrite } from "./consent-map.ts";
import { failure, saveAll } from "./records.ts";

/** Errors collected per op; an op succeeds when none of its writes failed. */
class Outcomes {
  private readonly errors = new Map<number, WriteError>();
  fail(i: number, error: WriteError) {
    if (!this.errors.has(i)) this.errors.set(i, error);
  }
  failed(i: number) {
    return this.errors.has(i);
  }
  results(ops: ConsentWrite[]): WriteResult[] {
    return ops.map((op, i) => {
      const error = this.errors.get(i);
      return error
        ? { ref: op.ref, ok: false, externalId: op.externalId, error }
        : { ref: op.ref, ok: true, externalId: op.externalId, created: false };
    });
  }
}

/**
 * Each kind of write is one pass over every op, Leads and Contacts together: Individuals are
 * created in one go, each person is updated once (boxes and the IndividualId link together),
 * and consent records are read, updated and created once, so calls stay ceil(N / 200) per
 * object and operation.
 */
export async function writeConsent(
  ctx: ConsentContext,
  ops: ConsentWrite[],
): Promise<WriteResult[]> {
  const outcomes = new Outcomes();
  const plans = ops.map((op) => planConsentWrite(op.statements, ctx.fields, ctx.purposes));
  const people = new Map<string, SalesforceRecord>();
  const live: number[] = [];
  for (const object of PEOPLE) {
    const indexes = ops.flatMap((op, i) => (op.object === object ? [i] : []));
    if (indexes.length === 0) continue;
    try {
      const found = await readPeople(
        ctx,
        object,
        indexes.map((i) => ops[i]!.externalId),
        ["FirstName", "LastName"],
      );
      for (const [id, person] of found) people.set(id, person);
    } catch (error) {
      for (const i of indexes)
        outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
      continue;
    }
    for (const i of indexes) {
      if (people.has(id15(ops[i]!.externalId))) live.push(i);
      else outcomes.fail(i, failure("NOT_FOUND", `${object} ${ops[i]!.externalId} does not exist`));
    }
  }
  for (const [i, op] of ops.entries()) {
    if (!PEOPLE.includes(op.object as (typeof PEOPLE)[number]))
      outcomes.fail(i, failure("UNSUPPORTED_OBJECT", `Object ${op.object} holds no consent`));
  }
  const withPurposes = live.filter((i) => plans[i]!.purposes.length > 0);
  const purposeIds = await loadPurposeIds(ctx, withPurposes, outcomes);
  const created = purposeIds
    ? await createIndividuals(ctx, withPurposes, ops, people, outcomes)
    : new Map<string, string>();
  await updatePeople(ctx, live, withPurposes, ops, plans, people, created, outcomes);
  if (purposeIds) {
    const ready = withPurposes.filter((i) => !outcomes.failed(i));
    await writePurposes(ctx, ready, ops, plans, people, created, purposeIds, outcomes);
  }
  return outcomes.results(ops);
}

async function loadPurposeIds(
  ctx: ConsentContext,
  indexes: number[],
  outcomes: Outcomes,
): Promise<Map<string, string> | undefined> {
  if (indexes.length === 0) return undefined;
  try {
    return await namedPurposeIds(ctx);
  } catch (error) {
    for (const i of indexes)
      outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
    return undefined;
  }
}

/** An Individual for each person with purposes to write and none linked yet, by person id15. */
async function createIndividuals(
  ctx: ConsentContext,
  indexes: number[],
  ops: ConsentWrite[],
  people: Map<string, SalesforceRecord>,
  outcomes: Outcomes,
): Promise<Map<string, string>> {
  const missing = new Map<string, SalesforceRecord>();
  for (const i of indexes) {
    const person = people.get(id15(ops[i]!.externalId))!;
    if (typeof person.IndividualId !== "string") missing.set(id15(person.Id), person);
  }
  const list = [...missing.values()];
  const saved = await saveAll(
    ctx.client,
    "Individual",
    { kind: "create" },
    list.map((p) => ({ FirstName: p.FirstName ?? null, LastName: p.LastName ?? "Unknown" })),
  );
  const created = new Map<string, string>();
  list.forEach((person, j) => {
    const s = saved[j]!;
    if (s.ok) created.set(id15(person.Id), s.id);
    else
      for (const i of indexes)
        if (id15(ops[i]!.externalId) === id15(person.Id)) outcomes.fail(i, s.error);
  });
  return created;
}

/**
 * One update per person: the boxes that change and the link to a new Individual. Two ops for
 * one record would be DUPLICATE_ID in one call; a no-op write sends nothing and fires no
 * Outbound Message.
 */
async function updatePeople(
  ctx: ConsentContext,
  live: number[],
  withPurposes: number[],
  ops: ConsentWrite[],
  plans: ReturnType<typeof planConsentWrite>[],
  people: Map<string, SalesforceRecord>,
  created: Map<string, string>,
  outcomes: Outcomes,
): Promise<void> {
  for (const object of PEOPLE) {
    const updates = new Map<string, { record: Record<string, unknown>; ops: Set<number> }>();
    const entry = (person: SalesforceRecord) => {
      let e = updates.get(person.Id);
      if (!e) {
        e = { record: { Id: person.Id }, ops: new Set() };
        updates.set(person.Id, e);
      }
      return e;
    };
    for (const i of live) {
      if (ops[i]!.object !== object) continue;
      const person = people.get(id15(ops[i]!.externalId))!;
      const changed = Object.entries(plans[i]!.fields).filter(
        ([f, v]) => (person[f] === true) !== v,
      );
      if (changed.length > 0) {
        const e = entry(person);
        Object.assign(e.record, Object.fromEntries(changed));
        e.ops.add(i);
      }
      const individual = created.get(id15(person.Id));
      if (individual && withPurposes.includes(i) && !outcomes.failed(i)) {
        const e = entry(person);
        e.record.IndividualId = individual;
        e.ops.add(i);
      }
    }
    const list = [...updates.values()];
    const saved = await saveAll(
      ctx.client,
      object,
      { kind: "update" },
      list.map((u) => u.record),
    );
    saved.forEach((s, j) => {
      if (!s.ok) for (const i of list[j]!.ops) outcomes.fail(i, s.error);
    });
  }
}

async function writePurposes(
  ctx: ConsentContext,
  indexes: number[],
  ops: ConsentWrite[],
  plans: ReturnType<typeof planConsentWrite>[],
  people: Map<string, SalesforceRecord>,
  created: Map<string, string>,
  purposeIds: Map<string, string>,
  outcomes: Outcomes,
): Promise<void> {
  if (indexes.length === 0) return;
  const partyOf = (i: number) => {
    const person = people.get(id15(ops[i]!.externalId))!;
    return typeof person.IndividualId === "string"
      ? person.IndividualId
      : created.get(id15(person.Id))!;
  };
  let existing: Map<string, SalesforceRecord[]>;
  try {
    existing = await readConsentRecords(ctx, [...new Set(indexes.map(partyOf))]);
  } catch (error) {
    for (const i of indexes)
      outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
    return;
  }
  // One write per consent record even when several ops reach it (a Lead and a Contact sharing
  // an Individual): the same Id twice in one call is DUPLICATE_ID. The later op's values win.
  const creates = new Map<string, { record: Record<string, unknown>; ops: number[] }>();
  const updates = new Map<string, { record: Record<string, unknown>; ops: number[] }>();
  const add = (into: typeof creates, key: string, record: Record<string, unknown>, op: number) => {
    const entry = into.get(key);
    if (entry) {
      entry.record = record;
      entry.ops.push(op);
    } else into.set(key, { record, ops: [op] });
  };
  for (const i of indexes) {
    const partyId = partyOf(i);
    for (const { mapping, status, at } of plans[i]!.purposes) {
      const purposeId = purposeIds.get(mapping.dataUsePurposeName);
      if (!purposeId) {
        outcomes.fail(
          i,
          failure(
            "DATA_USE_PURPOSE_NOT_FOUND",
            `No DataUsePurpose named ${mapping.dataUsePurposeName}`,
          ),
        );
        continue;
      }
      const type = CONTACT_POINT_TYPE[mapping.channel];
      const stamp = new Date(at || Date.now()).toISOString();
      const same = (existing.get(id15(partyId)) ?? []).filter(
        (r) => id15(r.DataUsePurposeId) === id15(purposeId) && r.ContactPointType === type,
      );
      const change = {
        PrivacyConsentStatus: status,
        EffectiveFrom: stamp,
        CaptureDate: stamp,
        CaptureSource: "tsunagu",
      };
      for (const r of same.filter((r) => r.PrivacyConsentStatus !== status))
        add(updates, id15(r.Id), { Id: r.Id, ...change }, i);
      if (same.length === 0)
        add(
          creates,
          `${id15(partyId)}:${id15(purposeId)}:${type}`,
          {
            Name: `${mapping.dataUsePurposeName} - ${type}`.slice(0, 255),
            PartyId: partyId,
            DataUsePurposeId: purposeId,
            ContactPointType: type,
            CaptureContactPointType: type,
            ...change,
          },
          i,
        );
    }
  }
  for (const [mode, writes] of [
    ["update", updates],
    ["create", creates],
  ] as const) {
    const list = [...writes.values()];
    const saved = await saveAll(
      ctx.client,
      "ContactPointTypeConsent",
      { kind: mode },
      list.map((u) => u.record),
    );
    saved.forEach((s, j) => {
      if (!s.ok) for (const i of list[j]!.ops) outcomes.fail(i, s.error);
    });
  }
}
