import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { Contact, Link } from "../core/contact.ts";
import { emailKeys } from "../core/resolve.ts";
import { contacts, links, matchKeys } from "./schema.ts";
import type { Db } from "./sqlite.ts";

type LinkRef = Pick<Link, "system" | "object" | "externalId">;

const CHUNK = 500;
const chunks = <T>(items: T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

export function contactQueries(db: Db) {
  function load(ids: string[]): Contact[] {
    if (ids.length === 0) return [];
    const rows = chunks(ids).flatMap((part) =>
      db.select().from(contacts).where(inArray(contacts.id, part)).all(),
    );
    const linkRows = chunks(ids).flatMap((part) =>
      db.select().from(links).where(inArray(links.contactId, part)).all(),
    );
    const byContact = new Map<string, Link[]>();
    for (const row of linkRows) {
      const list = byContact.get(row.contactId) ?? [];
      list.push({
        system: row.system as Link["system"],
        object: row.object,
        externalId: row.externalId,
        observed: row.observed,
        lastSyncedAt: row.lastSyncedAt,
      });
      byContact.set(row.contactId, list);
    }
    return rows.map((row) => ({ ...row, links: byContact.get(row.id) ?? [] }));
  }

  return {
    /** Contacts reachable from these records (crosswalk) or these normalized emails, with all their links. */
    async loadFor(refs: LinkRef[], emails: string[]): Promise<Contact[]> {
      const ids = new Set<string>();
      const groups = new Map<string, LinkRef[]>();
      for (const ref of refs) {
        const key = `${ref.system}\u0000${ref.object}`;
        groups.set(key, [...(groups.get(key) ?? []), ref]);
      }
      for (const group of groups.values()) {
        const { system, object } = group[0]!;
        for (const part of chunks(group.map((r) => r.externalId))) {
          const rows = db
            .select({ contactId: links.contactId })
            .from(links)
            .where(
              and(
                eq(links.system, system),
                eq(links.object, object),
                inArray(links.externalId, part),
              ),
            )
            .all();
          for (const row of rows) ids.add(row.contactId);
        }
      }
      for (const part of chunks([...new Set(emails)])) {
        const rows = db
          .select({ contactId: matchKeys.contactId })
          .from(matchKeys)
          .where(and(eq(matchKeys.kind, "email"), inArray(matchKeys.value, part)))
          .all();
        for (const row of rows) ids.add(row.contactId);
      }
      return load([...ids]);
    },

    async get(id: string): Promise<Contact | undefined> {
      return load([id])[0];
    },

    async byEmail(email: string): Promise<Contact[]> {
      const rows = db
        .select({ contactId: matchKeys.contactId })
        .from(matchKeys)
        .where(and(eq(matchKeys.kind, "email"), eq(matchKeys.value, email)))
        .all();
      return load(rows.map((r) => r.contactId));
    },

    async list(limit: number, after?: string): Promise<Contact[]> {
      const rows = db
        .select({ id: contacts.id })
        .from(contacts)
        .where(after ? gt(contacts.id, after) : undefined)
        .orderBy(asc(contacts.id))
        .limit(limit)
        .all();
      return load(rows.map((r) => r.id));
    },

    async count(): Promise<number> {
      return db.$count(contacts);
    },

    /** Saves contacts with their links and match keys in one transaction. */
    async save(list: Contact[]): Promise<void> {
      if (list.length === 0) return;
      db.transaction((tx) => {
        for (const contact of list) {
          tx.insert(contacts)
            .values({
              id: contact.id,
              golden: contact.golden,
              createdAt: contact.createdAt,
              updatedAt: contact.updatedAt,
            })
            .onConflictDoUpdate({
              target: contacts.id,
              set: { golden: contact.golden, updatedAt: contact.updatedAt },
            })
            .run();
          tx.delete(links).where(eq(links.contactId, contact.id)).run();
          for (const link of contact.links) {
            const row = { ...link, contactId: contact.id };
            tx.insert(links)
              .values(row)
              .onConflictDoUpdate({
                target: [links.system, links.object, links.externalId],
                set: {
                  contactId: contact.id,
                  observed: link.observed,
                  lastSyncedAt: link.lastSyncedAt,
                },
              })
              .run();
          }
          tx.delete(matchKeys).where(eq(matchKeys.contactId, contact.id)).run();
          for (const value of emailKeys(contact)) {
            tx.insert(matchKeys)
              .values({ kind: "email", value, contactId: contact.id })
              .onConflictDoNothing()
              .run();
          }
        }
      });
    },
  };
}
