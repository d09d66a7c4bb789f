import type { SourceFields, SystemName } from "../../connectors/contract.ts";
import {
  attributesOf,
  type CanonicalField,
  type CanonicalValues,
  type Contact,
  emailAddress,
  isBlank,
  type Link,
  type Observed,
  sameValue,
} from "./contact.ts";
import { mapIn, mapOut, writableFields } from "./mapping.ts";
import type { Mapping, Rules } from "./mapping-spec.ts";
import { scoreFields } from "./scoring/publish.ts";

/** A system the hub writes to, with the object it creates new people as. */
export interface Target {
  system: SystemName;
  createObject: string;
  mappings: Readonly<Record<string, Mapping>>;
}

export interface PlannedWrite {
  contactId: string;
  system: SystemName;
  object: string;
  /** Absent for a create. */
  externalId?: string;
  fields: SourceFields;
  /** What the link will have observed once the write succeeds (echo suppression). */
  observed: Observed;
}

/**
 * The writes that bring each target system in line with the golden record. A field is
 * written only where the value the system would show after the write differs from what
 * the hub last observed there, so a value the hub wrote and then reads back is a no-op.
 */
export function planContact(
  contact: Contact,
  targets: readonly Target[],
  rules: Rules,
): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  const attributes = syncedAttributes(contact, rules);
  for (const target of targets) {
    const links = contact.links.filter((l) => l.system === target.system);
    if (links.length === 0) {
      const create = planCreate(contact, target, attributes);
      if (create) writes.push(create);
      continue;
    }
    // Several records of one person in one system (a merge in the hub, not yet in the
    // system) keep their own emails: the system may refuse a second record with the same.
    const own = links.length > 1 ? withoutEmail(attributes) : attributes;
    for (const link of links) {
      const mapping = target.mappings[link.object];
      const update = mapping && planUpdate(contact, link, mapping, own);
      if (update) writes.push(update);
    }
  }
  return writes;
}

function withoutEmail(values: CanonicalValues): CanonicalValues {
  const { email: _email, ...rest } = values;
  return rest;
}

/** Golden values and the published score that may be written out (a `none` rule keeps a field in the hub only). */
function syncedAttributes(contact: Contact, rules: Rules): CanonicalValues {
  const values = { ...attributesOf(contact.golden), ...scoreFields(contact.score) };
  for (const field of Object.keys(values) as CanonicalField[]) {
    if (rules(field) === "none") delete values[field];
  }
  return values;
}

function planUpdate(
  contact: Contact,
  link: Link,
  mapping: Mapping,
  attributes: CanonicalValues,
): PlannedWrite | undefined {
  const shown = asShownBy(mapping, attributes);
  const changed = new Set<CanonicalField>();
  for (const field of writableFields(mapping)) {
    if (!(field in attributes)) continue;
    const previous = link.observed[field];
    if (!previous && isBlank(shown[field])) continue;
    if (!sameValue(shown[field], previous?.value)) changed.add(field);
  }
  if (changed.size === 0) return undefined;
  return {
    contactId: contact.id,
    system: link.system,
    object: link.object,
    externalId: link.externalId,
    fields: mapOut(mapping, attributes, { create: false, only: changed }),
    observed: observationsFor(contact, shown, changed),
  };
}

/** New people are created in other systems only when they have an email to match on later. */
function planCreate(
  contact: Contact,
  target: Target,
  attributes: CanonicalValues,
): PlannedWrite | undefined {
  const mapping = target.mappings[target.createObject];
  if (!mapping || !emailAddress(attributes.email)) return undefined;
  const shown = asShownBy(mapping, attributes);
  const written = new Set(
    [...writableFields(mapping)].filter((f) => f in attributes && !isBlank(shown[f])),
  );
  return {
    contactId: contact.id,
    system: target.system,
    object: target.createObject,
    fields: mapOut(mapping, attributes, { create: true }),
    observed: observationsFor(contact, shown, written),
  };
}

/** The canonical values as the system will show them once written (after its transforms). */
function asShownBy(mapping: Mapping, attributes: CanonicalValues): CanonicalValues {
  const readBack = mapIn(mapping, mapOut(mapping, attributes, { create: false }));
  return { ...attributes, ...readBack };
}

function observationsFor(
  contact: Contact,
  shown: CanonicalValues,
  fields: Iterable<CanonicalField>,
): Observed {
  const observed: Observed = {};
  for (const field of fields) {
    observed[field] = { value: shown[field] ?? null, at: contact.golden[field]?.at ?? 0 };
  }
  return observed;
}
