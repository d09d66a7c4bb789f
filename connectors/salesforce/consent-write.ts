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

export async function writeConsent(
  ctx: ConsentContext,
  ops: ConsentWrite[],
): Promise<WriteResult[]> {
  const outcomes = new Outcomes();
  const plans = ops.map((op) => planConsentWrite(op.statements, ctx.fields, ctx.purposes));
  for (const object of PEOPLE) {
    const indexes = ops.flatMap((op, i) => (op.object === object ? [i] : []));
    if (indexes.length === 0) continue;
    let people: Map<string, SalesforceRecord>;
    try {
      people = await readPeople(
        ctx,
        object,
        indexes.map((i) => ops[i]!.externalId),
        ["FirstName", "LastName"],
      );
    } catch (error) {
      for (const i of indexes)
        outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
      continue;
    }
    for (const i of indexes) {
      if (!people.has(id15(ops[i]!.externalId)))
        outcomes.fail(i, failure("NOT_FOUND", `${object} ${ops[i]!.externalId} does not exist`));
    }
    const live = indexes.filter((i) => !outcomes.failed(i));
    await writeFields(ctx, object, live, ops, plans, people, outcomes);
    await writePurposes(
      ctx,
      object,
      live.filter((i) => plans[i]!.purposes.length > 0),
      ops,
      plans,
      people,
      outcomes,
    );
  }
  for (const [i, op] of ops.entries()) {
    if (!PEOPLE.includes(op.object as (typeof PEOPLE)[number]))
      outcomes.fail(i, failure("UNSUPPORTED_OBJECT", `Object ${op.object} holds no consent`));
  }
  return outcomes.results(ops);
}

async function writeFields(
  ctx: ConsentContext,
  object: string,
  indexes: number[],
  ops: ConsentWrite[],
  plans: ReturnType<typeof planConsentWrite>[],
  people: Map<string, SalesforceRecord>,
  outcomes: Outcomes,
): Promise<void> {
  // One update per person (two ops for one record would be DUPLICATE_ID in one call); only
  // boxes that change, so a no-op write sends nothing and fires no Outbound Message.
  const updates = new Map<string, { record: Record<string, unknown>; ops: number[] }>();
  for (const i of indexes) {
    const person = people.get(id15(ops[i]!.externalId))!;
    const changed = Object.entries(plans[i]!.fields).filter(([f, v]) => (person[f] === true) !== v);
    if (changed.length === 0) continue;
    const entry = updates.get(person.Id) ?? { record: { Id: person.Id }, ops: [] };
    Object.assign(entry.record, Object.fromEntries(changed));
    entry.ops.push(i);
    updates.set(person.Id, entry);
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

async function writePurposes(
  ctx: ConsentContext,
  object: string,
  indexes: number[],
  ops: ConsentWrite[],
  plans: ReturnType<typeof planConsentWrite>[],
  people: Map<string, SalesforceRecord>,
  outcomes: Outcomes,
): Promise<void> {
  if (indexes.length === 0) return;
  let purposeIds: Map<string, string>;
  try {
    purposeIds = await namedPurposeIds(ctx);
  } catch (error) {
    for (const i of indexes)
      outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
    return;
  }
  const party = await ensureIndividuals(ctx, object, indexes, ops, people, outcomes);
  const ready = indexes.filter((i) => !outcomes.failed(i));
  const parties = ready.map((i) => party.get(id15(ops[i]!.externalId))!);
  let existing: Map<string, SalesforceRecord[]>;
  try {
    existing = await readConsentRecords(ctx, parties);
  } catch (error) {
    for (const i of ready)
      outcomes.fail(i, failure("READ_FAILED", String((error as Error).message), true));
    return;
  }
  const creates: Array<{ record: Record<string, unknown>; op: number }> = [];
  const updates: Array<{ record: Record<string, unknown>; op: number }> = [];
  for (const i of ready) {
    const partyId = party.get(id15(ops[i]!.externalId))!;
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
        updates.push({ record: { Id: r.Id, ...change }, op: i });
      if (same.length === 0)
        creates.push({
          op: i,
          record: {
            Name: `${mapping.dataUsePurposeName} - ${type}`.slice(0, 255),
            PartyId: partyId,
            DataUsePurposeId: purposeId,
            ContactPointType: type,
            CaptureContactPointType: type,
            ...change,
          },
        });
    }
  }
  for (const [mode, list] of [
    ["update", updates],
    ["create", creates],
  ] as const) {
    const saved = await saveAll(
      ctx.client,
      "ContactPointTypeConsent",
      { kind: mode },
      list.map((u) => u.record),
    );
    saved.forEach((s, j) => {
      if (!s.ok) outcomes.fail(list[j]!.op, s.error);
    });
  }
}

/** The person's Individual id, creating one and linking IndividualId where missing. */
async function ensureIndividuals(
  ctx: ConsentContext,
  object: string,
  indexes: number[],
  ops: ConsentWrite[],
  people: Map<string, SalesforceRecord>,
  outcomes: Outcomes,
): Promise<Map<string, string>> {
  const party = new Map<string, string>();
  const missing: SalesforceRecord[] = [];
  for (const i of indexes) {
    const person = people.get(id15(ops[i]!.externalId))!;
    if (typeof person.IndividualId === "string") party.set(id15(person.Id), person.IndividualId);
    else if (!missing.includes(person)) missing.push(person);
  }
  const created = await saveAll(
    ctx.client,
    "Individual",
    { kind: "create" },
    missing.map((p) => ({ FirstName: p.FirstName ?? null, LastName: p.LastName ?? "Unknown" })),
  );
  const links = missing.flatMap((p, j) => {
    const c = created[j]!;
    return c.ok ? [{ Id: p.Id, IndividualId: c.id }] : [];
  });
  const linked = await saveAll(ctx.client, object, { kind: "update" }, links);
  const linkedIds = new Map(links.map((l, j) => [id15(l.Id), linked[j]!]));
  missing.forEach((p, j) => {
    const c = created[j]!;
    const l = linkedIds.get(id15(p.Id));
    const error = !c.ok ? c.error : l && !l.ok ? l.error : undefined;
    if (!error && c.ok) party.set(id15(p.Id), c.id);
    for (const i of indexes)
      if (error && id15(ops[i]!.externalId) === id15(p.Id)) outcomes.fail(i, error);
  });
  return party;
}
