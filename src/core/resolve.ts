import type { SourceRecord } from "../../connectors/contract.ts";
import { attributesOf, type Contact, type Link, linkKey } from "./contact.ts";
import { type Identity, keyString, type MatchKey } from "./identity.ts";
import { mapIn } from "./mapping.ts";
import type { Mapping, Rules } from "./mapping-spec.ts";
import { observe, survive } from "./survivorship.ts";

/**
 * The contacts one batch works on, with the two identity indexes: the crosswalk
 * (system/object/externalId) first, then the deterministic identity keys (email, phone
 * with surname; see identity.ts). Everything here is in memory; the engine loads it from
 * the store and saves the touched contacts back.
 */
export class WorkingSet {
  readonly contacts = new Map<string, Contact>();
  readonly touched = new Set<string>();
  private readonly byLink = new Map<string, string>();
  private readonly byKey = new Map<string, string>();

  constructor(
    contacts: Iterable<Contact>,
    private readonly newId: () => string,
    private readonly identity: Identity,
  ) {
    for (const contact of contacts) this.index(contact);
  }

  /** Adds contacts loaded later in the batch; ones already here keep their in-memory state. */
  include(contacts: Iterable<Contact>) {
    for (const contact of contacts) {
      if (!this.contacts.has(contact.id)) this.index(contact);
    }
  }

  contactByLink(ref: Pick<Link, "system" | "object" | "externalId">): Contact | undefined {
    const id = this.byLink.get(linkKey(ref));
    return id ? this.contacts.get(id) : undefined;
  }

  contactByKey(key: MatchKey): Contact | undefined {
    const id = this.byKey.get(keyString(key));
    return id ? this.contacts.get(id) : undefined;
  }

  /** Marks a contact as changed by something other than a record (a score, a merge). */
  touch(id: string) {
    if (this.contacts.has(id)) this.touched.add(id);
  }

  /**
   * Folds one source record into its person: found by crosswalk, else by the first
   * identity key that names someone, else new. Returns the contact and the canonical
   * fields whose value in that system changed.
   */
  apply(record: SourceRecord, mapping: Mapping, rules: Rules, now: number) {
    const values = mapIn(mapping, record.fields);
    const ref = { system: record.system, object: record.object, externalId: record.externalId };
    let contact = this.contactByLink(ref);
    for (const key of contact ? [] : this.identity.keys(values)) {
      contact = this.contactByKey(key);
      if (contact) break;
    }
    const isNew = !contact;
    if (!contact) {
      contact = { id: this.newId(), golden: {}, links: [], createdAt: now, updatedAt: now };
      this.contacts.set(contact.id, contact);
    }
    let link = contact.links.find((l) => linkKey(l) === linkKey(ref));
    const linked = !link;
    if (!link) {
      link = { ...ref, observed: {}, lastSyncedAt: null };
      contact.links.push(link);
    }
    const { observed, changed } = observe(link.observed, values, record.modifiedAt);
    link.observed = observed;
    link.lastSyncedAt = now;
    if (changed.length > 0 || linked) {
      contact.golden = survive(contact.links, rules);
      contact.updatedAt = now;
    }
    this.touched.add(contact.id);
    this.index(contact);
    return { contact, changed, isNew, linked };
  }

  /** Replaces two people by their merge (`merged.id` is the winner's). */
  replaceMerged(merged: Contact, loserId: string) {
    this.contacts.delete(loserId);
    this.touched.delete(loserId);
    for (const [key, id] of this.byKey) if (id === loserId) this.byKey.set(key, merged.id);
    this.index(merged);
    this.touched.add(merged.id);
  }

  /** Drops a link whose record no longer exists in its system; the person stays. */
  unlink(
    ref: Pick<Link, "system" | "object" | "externalId">,
    rules: Rules,
    now: number,
  ): Contact | undefined {
    const contact = this.contactByLink(ref);
    if (!contact) return undefined;
    contact.links = contact.links.filter((l) => linkKey(l) !== linkKey(ref));
    contact.golden = survive(contact.links, rules);
    contact.updatedAt = now;
    this.byLink.delete(linkKey(ref));
    this.touched.add(contact.id);
    return contact;
  }

  private index(contact: Contact) {
    this.contacts.set(contact.id, contact);
    const views = [attributesOf(contact.golden)];
    for (const link of contact.links) {
      this.byLink.set(linkKey(link), contact.id);
      views.push(attributesOf(link.observed));
    }
    for (const values of views)
      for (const key of this.identity.keys(values)) {
        const k = keyString(key);
        if (!this.byKey.has(k)) this.byKey.set(k, contact.id);
      }
  }
}
