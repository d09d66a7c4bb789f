import { and, asc, desc, eq, gt, inArray } from "drizzle-orm";
import type { Contact, Link } from "../core/contact.ts";
import type { Identity, MatchKey } from "../core/identity.ts";
import { consentEvents, contacts, engagementEvents, links, matchKeys, merges } from "./schema.ts";

export type MergeRow = typeof merges.$inferSelect;

import type { Db } from "./sqlite.ts";

type LinkRef = Pick<Link, "system" | "object" | "externalId">;

const CHUNK = 500;
const chunks = <T>(items: T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/**
 * Saving is the hot path of every batch: plain SQL prepared once, instead of a query
 * built per row (building dominated backfill time). The same statements bind on D1.
 */
const SAVE_SQL = {
  contact: `insert into contacts (id, golden, created_at, updated_at, score) values (?, ?, ?, ?, ?)
    on conflict (id) do update set golden = excluded.golden, updated_at = excluded.updated_at,
    score = excluded.score`,
  dropLinks: "delete from links where contact_id = ?",
  link: `insert into links (system, object, external_id, contact_id, observed, consent, last_synced_at) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (system, object, external_id) do update set contact_id = excluded.contact_id,
    observed = excluded.observed, consent = excluded.consent, last_synced_at = excluded.last_synced_at`,
  dropKeys: "delete from match_keys where contact_id = ?",
  key: "insert or ignore into match_keys (kind, value, contact_id) values (?, ?, ?)",
  holders: "select contact_id from match_keys where kind = ? and value = ? limit ?",
};

export function contactQueries(db: Db, identity: Identity) {
  const sqlite = db.$client;
  const statements = Object.fromEntries(
    Object.entries(SAVE_SQL).map(([name, text]) => [name, sqlite.prepare(text)]),
  ) as Record<keyof typeof SAVE_SQL, import("better-sqlite3").Statement<unknown[]>>;
  const saveAll = sqlite.transaction((list: Contact[]) => {
    for (const contact of list) {
      statements.contact.run(
        contact.id,
        JSON.stringify(contact.golden),
        contact.createdAt,
        contact.updatedAt,
        contact.score ? JSON.stringify(contact.score) : null,
      );
      statements.dropLinks.run(contact.id);
      for (const link of contact.links) {
        statements.link.run(
          link.system,
          link.object,
          link.externalId,
          contact.id,
          JSON.stringify(link.observed),
          link.consent ? JSON.stringify(link.consent) : null,
          link.lastSyncedAt,
        );
      }
      statements.dropKeys.run(contact.id);
      for (const key of identity.contactKeys(contact))
        statements.key.run(key.kind, key.value, contact.id);
    }
  });

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
        ...(row.consent ? { consent: row.consent } : {}),
        lastSyncedAt: row.lastSyncedAt,
      });
      byContact.set(row.contactId, list);
    }
    return rows.map((row) => ({ ...row, links: byContact.get(row.id) ?? [] }));
  }

  function idsByKeys(keys: MatchKey[]): Set<string> {
    const ids = new Set<string>();
    const byKind = new Map<string, string[]>();
    for (const key of keys) byKind.set(key.kind, [...(byKind.get(key.kind) ?? []), key.value]);
    for (const [kind, values] of byKind)
      for (const part of chunks([...new Set(values)])) {
        const rows = db
          .select({ contactId: matchKeys.contactId })
          .from(matchKeys)
          .where(and(eq(matchKeys.kind, kind), inArray(matchKeys.value, part)))
          .all();
        for (const row of rows) ids.add(row.contactId);
      }
    return ids;
  }

  return {
    /** Contacts reachable from these records (crosswalk) or these identity keys, with all their links. */
    async loadFor(refs: LinkRef[], keys: MatchKey[]): Promise<Contact[]> {
      const ids = idsByKeys(keys);
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
      return load([...ids]);
    },

    async get(id: string): Promise<Contact | undefined> {
      return load([id])[0];
    },

    async byEmail(email: string): Promise<Contact[]> {
      const key = identity.emailKey(email);
      return key ? load([...idsByKeys([{ kind: "email", value: key }])]) : [];
    },

    /**
     * Ids of people sharing a blocking key with these keys. A key held by more than
     * `maxBlock` people nominates nobody: so common a value says little about identity,
     * and scoring every holder would make one record cost as much as the whole store.
     */
    async candidateIds(keys: MatchKey[], maxBlock: number): Promise<Set<string>> {
      const ids = new Set<string>();
      for (const key of keys) {
        const rows = statements.holders.all(key.kind, key.value, maxBlock + 1) as {
          contact_id: string;
        }[];
        if (rows.length <= maxBlock) for (const row of rows) ids.add(row.contact_id);
      }
      return ids;
    },

    load: async (ids: string[]) => load(ids),

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

    /**
     * In one transaction: the winner saved with the loser's links, the loser's consent and
     * engagement moved over, the loser deleted, and the history row that can undo it all.
     */
    async mergeInto(
      winner: Contact,
      loser: Contact,
      history: Omit<MergeRow, "moved" | "undoneAt">,
    ): Promise<void> {
      sqlite.transaction(() => {
        const consentIds = db
          .select({ id: consentEvents.id })
          .from(consentEvents)
          .where(eq(consentEvents.contactId, loser.id))
          .all();
        const engagementKeys = db
          .select({ key: engagementEvents.key })
          .from(engagementEvents)
          .where(eq(engagementEvents.contactId, loser.id))
          .all();
        db.update(consentEvents)
          .set({ contactId: winner.id })
          .where(eq(consentEvents.contactId, loser.id))
          .run();
        db.update(engagementEvents)
          .set({ contactId: winner.id })
          .where(eq(engagementEvents.contactId, loser.id))
          .run();
        db.delete(contacts).where(eq(contacts.id, loser.id)).run();
        saveAll([winner]);
        db.insert(merges)
          .values({
            ...history,
            moved: {
              consent: consentIds.map((r) => r.id),
              engagement: engagementKeys.map((r) => r.key),
            },
          })
          .run();
      })();
    },

    /** Undoes a merge in one transaction: both people saved, moved rows moved back. */
    async unmerge(row: MergeRow, winner: Contact, loser: Contact, now: number): Promise<void> {
      sqlite.transaction(() => {
        saveAll([winner, loser]);
        for (const ids of chunks(row.moved.consent)) {
          db.update(consentEvents)
            .set({ contactId: loser.id })
            .where(inArray(consentEvents.id, ids))
            .run();
        }
        for (const keys of chunks(row.moved.engagement)) {
          db.update(engagementEvents)
            .set({ contactId: loser.id })
            .where(inArray(engagementEvents.key, keys))
            .run();
        }
        db.update(merges).set({ undoneAt: now }).where(eq(merges.id, row.id)).run();
      })();
    },

    async merge(id: string): Promise<MergeRow | undefined> {
      return db.select().from(merges).where(eq(merges.id, id)).get();
    },

    /** Merges into this person, newest first. */
    async mergesInto(winnerId: string): Promise<MergeRow[]> {
      return db
        .select()
        .from(merges)
        .where(eq(merges.winnerId, winnerId))
        .orderBy(desc(merges.createdAt))
        .all();
    },

    /** Saves contacts with their links and match keys in one transaction. */
    async save(list: Contact[]): Promise<void> {
      if (list.length > 0) saveAll(list);
    },
  };
}
