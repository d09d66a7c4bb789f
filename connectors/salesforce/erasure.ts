/**
 * ErasureCapable for Salesforce: delete the Lead/Contact (the org deletes its Tasks, Events
 * and campaign memberships with it) and its Individual (which takes the consent records),
 * unless another person still links that Individual. Absent records count as erased.
 */
import type { RecordRef, WriteResult } from "../contract.ts";
import type { SalesforceRecord } from "./api-types.ts";
import type { SalesforceClient } from "./client.ts";
import { failure, queryIn, type SaveOutcome, saveAll } from "./records.ts";

const PEOPLE = ["Lead", "Contact"] as const;
/** Per-record delete errors that mean "already gone". */
const GONE = new Set(["ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"]);
const id15 = (id: unknown) => (typeof id === "string" ? id.slice(0, 15) : "");

export async function erase(
  client: SalesforceClient,
  withIndividuals: boolean,
  refs: RecordRef[],
): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const ref = (i: number) => refs[i]!.externalId;
  refs.forEach((r, i) => {
    if (!PEOPLE.includes(r.object as (typeof PEOPLE)[number]))
      results.set(i, {
        ref: r.externalId,
        ok: false,
        error: failure("UNSUPPORTED_OBJECT", `Cannot erase ${r.object}`),
      });
  });
  for (const object of PEOPLE) {
    const indexes = refs.flatMap((r, i) => (r.object === object ? [i] : []));
    if (indexes.length === 0) continue;
    const ids = [...new Set(indexes.map(ref))];
    // Individuals first: if the person delete then fails, a retry still finds them.
    if (withIndividuals) {
      const failed = await eraseIndividuals(
        client,
        object,
        ids,
        new Set(refs.map((r) => id15(r.externalId))),
      );
      for (const i of indexes) {
        const error = failed.get(id15(ref(i)));
        if (error)
          results.set(i, { ref: ref(i), ok: false, externalId: ref(i), error: error.error });
      }
    }
    const todo = ids.filter(
      (id) => !indexes.some((i) => results.has(i) && id15(ref(i)) === id15(id)),
    );
    const deleted = await saveAll(
      client,
      object,
      { kind: "delete" },
      todo.map((Id) => ({ Id })),
    );
    const byId = new Map(todo.map((id, j) => [id15(id), deleted[j]!]));
    for (const i of indexes) {
      const s = byId.get(id15(ref(i)));
      if (!s || results.has(i)) continue;
      results.set(
        i,
        s.ok || GONE.has(s.error.code)
          ? { ref: ref(i), ok: true, externalId: ref(i) }
          : { ref: ref(i), ok: false, externalId: ref(i), error: s.error },
      );
    }
  }
  return refs.map(
    (r, i) => results.get(i) ?? { ref: r.externalId, ok: true, externalId: r.externalId },
  );
}

/** Deletes the Individuals of these people that no other (not erased) Lead/Contact links. */
async function eraseIndividuals(
  client: SalesforceClient,
  object: string,
  ids: string[],
  erased: Set<string>,
): Promise<Map<string, Extract<SaveOutcome, { ok: false }>>> {
  const failed = new Map<string, Extract<SaveOutcome, { ok: false }>>();
  let people: SalesforceRecord[];
  const sharers: SalesforceRecord[] = [];
  try {
    people = await queryIn(client, object, ["Id", "IndividualId"], "Id", ids);
    const links = [
      ...new Set(people.map((p) => p.IndividualId).filter((v) => typeof v === "string")),
    ];
    for (const other of PEOPLE)
      if (links.length > 0)
        sharers.push(
          ...(await queryIn(
            client,
            other,
            ["Id", "IndividualId"],
            "IndividualId",
            links as string[],
          )),
        );
  } catch (error) {
    const outcome = {
      ok: false as const,
      error: failure("READ_FAILED", (error as Error).message, true),
    };
    for (const id of ids) failed.set(id15(id), outcome);
    return failed;
  }
  const linked = people.filter((p) => typeof p.IndividualId === "string");
  const individuals = [...new Set(linked.map((p) => p.IndividualId as string))];
  if (individuals.length === 0) return failed;
  const kept = new Set(
    sharers.filter((s) => !erased.has(id15(s.Id))).map((s) => id15(s.IndividualId)),
  );
  const doomed = individuals.filter((id) => !kept.has(id15(id)));
  const deleted = await saveAll(
    client,
    "Individual",
    { kind: "delete" },
    doomed.map((Id) => ({ Id })),
  );
  doomed.forEach((individual, j) => {
    const s = deleted[j]!;
    if (s.ok || GONE.has(s.error.code)) return;
    for (const p of linked)
      if (id15(p.IndividualId) === id15(individual)) failed.set(id15(p.Id), s);
  });
  return failed;
}
