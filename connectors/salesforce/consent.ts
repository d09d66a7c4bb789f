/**
 * ConsentCapable for Salesforce, reading side: opt-out checkboxes on Lead/Contact plus
 * per-purpose ContactPointTypeConsent records of the person's Individual (Data Protection
 * and Privacy). Mapping rules live in consent-map.ts, writes in consent-write.ts.
 */
import type { ConsentRecord, RecordRef } from "../contract.ts";
import type { SalesforceRecord } from "./api-types.ts";
import type { SalesforceClient } from "./client.ts";
import {
  type ConsentFieldMapping,
  type ConsentPurposeMapping,
  CPTC_FIELDS,
  consentRecordStatements,
  fieldStatements,
} from "./consent-map.ts";
import { queryIn } from "./records.ts";

export interface ConsentContext {
  client: SalesforceClient;
  fields: ConsentFieldMapping[];
  purposes: ConsentPurposeMapping[];
  /** DataUsePurpose ids by lower-cased Name (looked up once, then cached). */
  purposeIds(): Promise<Map<string, string>>;
}

export const PEOPLE = ["Lead", "Contact"] as const;
export const id15 = (id: unknown) => (typeof id === "string" ? id.slice(0, 15) : "");

export function purposeIdLoader(
  client: SalesforceClient,
  purposes: ConsentPurposeMapping[],
): () => Promise<Map<string, string>> {
  let cached: Promise<Map<string, string>> | undefined;
  return () => {
    cached ??= (async () => {
      const names = [...new Set(purposes.map((p) => p.dataUsePurposeName))];
      const rows = names.length
        ? await queryIn(client, "DataUsePurpose", ["Id", "Name"], "Name", names)
        : [];
      return new Map(rows.map((r) => [String(r.Name).toLowerCase(), r.Id]));
    })().catch((error) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

export async function namedPurposeIds(ctx: ConsentContext): Promise<Map<string, string>> {
  const byLower = await ctx.purposeIds();
  return new Map(
    ctx.purposes.flatMap((p) => {
      const id = byLower.get(p.dataUsePurposeName.toLowerCase());
      return id ? [[p.dataUsePurposeName, id] as const] : [];
    }),
  );
}

export async function readPeople(
  ctx: ConsentContext,
  object: string,
  ids: string[],
  extra: string[] = [],
) {
  const select = new Set(["Id", "SystemModstamp", ...ctx.fields.map((f) => f.field), ...extra]);
  if (ctx.purposes.length > 0) select.add("IndividualId");
  const rows = ids.length ? await queryIn(ctx.client, object, [...select], "Id", ids) : [];
  return new Map(rows.map((r) => [id15(r.Id), r]));
}

export async function readConsentRecords(ctx: ConsentContext, parties: string[]) {
  const byParty = new Map<string, SalesforceRecord[]>();
  if (ctx.purposes.length === 0 || parties.length === 0) return byParty;
  const rows = await queryIn(
    ctx.client,
    "ContactPointTypeConsent",
    CPTC_FIELDS,
    "PartyId",
    parties,
  );
  for (const r of rows) byParty.set(id15(r.PartyId), [...(byParty.get(id15(r.PartyId)) ?? []), r]);
  return byParty;
}

export async function readConsent(
  ctx: ConsentContext,
  refs: RecordRef[],
): Promise<ConsentRecord[]> {
  const people = new Map<string, SalesforceRecord>();
  for (const object of PEOPLE) {
    const ids = refs.filter((r) => r.object === object).map((r) => r.externalId);
    for (const [k, v] of await readPeople(ctx, object, ids)) people.set(`${object}:${k}`, v);
  }
  const parties = [...people.values()]
    .map((p) => p.IndividualId)
    .filter((v) => typeof v === "string");
  const consents = await readConsentRecords(ctx, parties as string[]);
  const purposeIds = consents.size > 0 ? await namedPurposeIds(ctx) : new Map<string, string>();
  const now = Date.now();
  const out: ConsentRecord[] = [];
  for (const ref of refs) {
    const person = people.get(`${ref.object}:${id15(ref.externalId)}`);
    if (!person) continue;
    const records = consents.get(id15(person.IndividualId)) ?? [];
    out.push({
      object: ref.object,
      externalId: ref.externalId,
      ...(ref.email ? { email: ref.email } : {}),
      statements: [
        ...fieldStatements(person, ctx.fields),
        ...records.flatMap((r) => consentRecordStatements(r, ctx.purposes, purposeIds, now)),
      ],
    });
  }
  return out;
}
