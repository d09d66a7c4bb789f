import { and, asc, desc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { type Contact, type Link, linkKey } from "../core/contact.ts";
import { type Identity, keyString, type MatchKey } from "../core/identity.ts";
import { atomically, chunks, statement, together } from "./batch.ts";
import type { D1LikeStatement, Db } from "./db.ts";
import { consentEvents, contacts, engagementEvents, links, matchKeys, merges } from "./schema.ts";

export type MergeRow = typeof merges.$inferSelect;

type LinkRef = Pick<Link, "system" | "object" | "externalId">;

/**
 * Saving is the hot path of every batch: plain SQL prepared once and bound per row,
 * instead of a query built per row (building dominated backfill time).
 */
const SAVE_SQL = {
  contact: `insert into contacts (id, golden, created_at, updated_at, score) values (?, ?, ?, ?, ?)
    on conflict (id) do update set golden = excluded.golden, updated_at = excluded.updated_at,
    score = excluded.score`,
  dropLinks: "delete from links where contact_id = ?",
  link: `insert into links (system, object, external_id, contact_id, observed, consent, last_synced_at) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (system, object, external_id) do update set contact_id = excluded.contact_id,
    observed = excluded.observed, consent = excluded.consent, last_synced_at = excluded.last_synced_at`,
  dropLink:
    "delete from links where system = ? and object = ? and external_id = ? and contact_id = ?",
  dropKeys: "delete from match_keys where contact_id = ?",
  key: "insert or ignore into match_keys (kind, value, contact_id) values (?, ?, ?)",
  dropKey: "delete from match_keys where kind = ? and value = ? and contact_id = ?",
  holders: "select contact_id from match_keys where kind = ? and value = ? limit ?",
};

/** What was last written of a contact: each link's and key's row, so the next save writes only the difference. */
interface Persisted {
  /** Which save this was: valid only while it is still the last save of its id. */
  seq: number;
  row: string;
  links: Map<string, { ref: LinkRef; row: string }>;
  keys: Set<string>;
}

interface ContactRowText {
  id: string;
  golden: string;
  created_at: number;
  updated_at: number;
  score: string | null;
}
interface LinkRowText {
  system: string;
  object: string;
  external_id: string;
  contact_id: string;
  observed: string;
  consent: string | null;
  last_synced_at: number | null;
}

/** Ids whose last save is remembered (a batch saves its people twice within a few hundred). */
const RECENT_SAVES = 20_000;

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export function contactQueries(db: Db, identity: Identity) {
  const prepared = Object.fromEntries(
    Object.entries(SAVE_SQL).map(([name, text]) => [name, db.$client.prepare(text)]),
  ) as Record<keyof typeof SAVE_SQL, D1LikeStatement>;
  /**
   * Contacts this process wrote, as written. A contact saved twice in one batch (before
   * and after its writes to other systems) costs only what changed in between.
   */
  const persisted = new WeakMap<Contact, Persisted>();
  /**
   * The last save of each recently saved id. Another object with the same id (a merge's
   * result, a fresh load) may have been written since an object's own save, and then that
   * save says nothing of the row; past the cap the diff is just not used.
   */
  const lastSave = new Map<string, number>();
  let saves = 0;
  const remember = (id: string, seq: number) => {
    lastSave.delete(id);
    lastSave.set(id, seq);
    if (lastSave.size > RECENT_SAVES) lastSave.delete(lastSave.keys().next().value!);
  };
  const stillLast = (contact: Contact) => {
    const before = persisted.get(contact);
    return before && lastSave.get(contact.id) === before.seq ? before : undefined;
  };

  /** The statements that save these contacts, and what to remember once they are committed. */
  function saving(list: Contact[]): { statements: D1LikeStatement[]; commit(): void } {
    const statements: D1LikeStatement[] = [];
    const after: [Contact, Persisted][] = [];
    for (const contact of list) {
      const before = stillLast(contact);
      const values = [
        contact.id,
        JSON.stringify(contact.golden),
        contact.createdAt,
        contact.updatedAt,
        contact.score ? JSON.stringify(contact.score) : null,
      ] as const;
      const now: Persisted = {
        seq: ++saves,
        row: values.join("\u0000"),
        links: new Map(),
        keys: new Set(),
      };
      if (before?.row !== now.row) statements.push(prepared.contact.bind(...values));
      if (!before) statements.push(prepared.dropLinks.bind(contact.id));
      for (const link of contact.links) {
        const values = [
          link.system,
          link.object,
          link.externalId,
          contact.id,
          JSON.stringify(link.observed),
          link.consent ? JSON.stringify(link.consent) : null,
          link.lastSyncedAt,
        ] as const;
        const key = linkKey(link);
        const row = JSON.stringify(values);
        const { system, object, externalId } = link;
        now.links.set(key, { ref: { system, object, externalId }, row });
        if (before?.links.get(key)?.row !== row) statements.push(prepared.link.bind(...values));
      }
      for (const [key, { ref }] of before?.links ?? []) {
        if (now.links.has(key)) continue;
        statements.push(prepared.dropLink.bind(ref.system, ref.object, ref.externalId, contact.id));
      }
      if (!before) statements.push(prepared.dropKeys.bind(contact.id));
      for (const key of identity.contactKeys(contact)) {
        const text = `${key.kind}\u0000${key.value}`;
        now.keys.add(text);
        if (!before?.keys.has(text))
          statements.push(prepared.key.bind(key.kind, key.value, contact.id));
      }
      for (const text of before?.keys ?? []) {
        if (now.keys.has(text)) continue;
        const [kind, value] = text.split("\u0000");
        statements.push(prepared.dropKey.bind(kind, value, contact.id));
      }
      after.push([contact, now]);
    }
    return {
      statements,
      commit: () => {
        for (const [contact, state] of after) {
          persisted.set(contact, state);
          remember(contact.id, state.seq);
        }
      },
    };
  }

  /** Runs the statements as one batch, the saves at `at` among them. */
  async function write(
    statements: D1LikeStatement[],
    saved: ReturnType<typeof saving>,
    at = statements.length,
  ) {
    await atomically(db, [
      ...statements.slice(0, at),
      ...saved.statements,
      ...statements.slice(at),
    ]);
    saved.commit();
  }

  async function load(ids: string[]): Promise<Contact[]> {
    if (ids.length === 0) return [];
    const parts = chunks(ids);
    // One batch, so the people and their links are read as of the same moment.
    const results = await db.$client.batch<ContactRowText | LinkRowText>([
      ...parts.map((part) =>
        db.$client
          .prepare(
            `select id, golden, created_at, updated_at, score from contacts where id in (${placeholders(part.length)})`,
          )
          .bind(...part),
      ),
      ...parts.map((part) =>
        db.$client
          .prepare(
            `select system, object, external_id, contact_id, observed, consent, last_synced_at from links where contact_id in (${placeholders(part.length)})`,
          )
          .bind(...part),
      ),
    ]);
    const rows = results.slice(0, parts.length).flatMap((r) => r.results) as ContactRowText[];
    const linkRows = results.slice(parts.length).flatMap((r) => r.results) as LinkRowText[];
    const byContact = new Map<string, Link[]>();
    for (const row of linkRows) {
      const list = byContact.get(row.contact_id) ?? [];
      list.push({
        system: row.system as Link["system"],
        object: row.object,
        externalId: row.external_id,
        observed: JSON.parse(row.observed),
        ...(row.consent ? { consent: JSON.parse(row.consent) } : {}),
        lastSyncedAt: row.last_synced_at,
      });
      byContact.set(row.contact_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      golden: JSON.parse(row.golden),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      score: row.score === null ? null : JSON.parse(row.score),
      links: byContact.get(row.id) ?? [],
    }));
  }

  const holdersOf = (keys: MatchKey[]) => {
    const byKind = new Map<string, string[]>();
    for (const key of keys) byKind.set(key.kind, [...(byKind.get(key.kind) ?? []), key.value]);
    return [...byKind].flatMap(([kind, values]) =>
      chunks([...new Set(values)]).map((part) =>
        db
          .select({ contactId: matchKeys.contactId })
          .from(matchKeys)
          .where(and(eq(matchKeys.kind, kind), inArray(matchKeys.value, part))),
      ),
    );
  };

  const linkedTo = (refs: LinkRef[]) => {
    const groups = new Map<string, LinkRef[]>();
    for (const ref of refs) {
      const key = `${ref.system}\u0000${ref.object}`;
      groups.set(key, [...(groups.get(key) ?? []), ref]);
    }
    return [...groups.values()].flatMap((group) => {
      const { system, object } = group[0]!;
      return chunks(group.map((r) => r.externalId)).map((part) =>
        db
          .select({ contactId: links.contactId })
          .from(links)
          .where(
            and(
              eq(links.system, system),
              eq(links.object, object),
              inArray(links.externalId, part),
            ),
          ),
      );
    });
  };

  async function loadFor(refs: LinkRef[], keys: MatchKey[]): Promise<Contact[]> {
    const rows = await together(db, [...holdersOf(keys), ...linkedTo(refs)]);
    return load([...new Set(rows.flat().map((row) => row.contactId))]);
  }

  return {
    /** Contacts reachable from these records (crosswalk) or these identity keys, with all their links. */
    loadFor,

    async get(id: string): Promise<Contact | undefined> {
      return (await load([id]))[0];
    },

    async byEmail(email: string): Promise<Contact[]> {
      const key = identity.emailKey(email);
      return key ? loadFor([], [{ kind: "email", value: key }]) : [];
    },

    /**
     * The people holding each of these keys, by `keyString`. A key held by more than
     * `maxBlock` people nominates nobody (an empty list): so common a value says little about
     * identity, and scoring every holder would make one record cost as much as the whole store.
     */
    async holders(keys: MatchKey[], maxBlock: number): Promise<Map<string, string[]>> {
      const distinct = [...new Map(keys.map((key) => [keyString(key), key])).entries()];
      const byKey = new Map<string, string[]>();
      if (distinct.length === 0) return byKey;
      const results = await db.$client.batch<{ contact_id: string }>(
        distinct.map(([, key]) => prepared.holders.bind(key.kind, key.value, maxBlock + 1)),
      );
      results.forEach(({ results: rows }, i) => {
        byKey.set(distinct[i]![0], rows.length <= maxBlock ? rows.map((r) => r.contact_id) : []);
      });
      return byKey;
    },

    load,

    async list(limit: number, after?: string): Promise<Contact[]> {
      const rows = await db
        .select({ id: contacts.id })
        .from(contacts)
        .where(after ? gt(contacts.id, after) : undefined)
        .orderBy(asc(contacts.id))
        .limit(limit);
      return load(rows.map((r) => r.id));
    },

    async count(): Promise<number> {
      return db.$count(contacts);
    },

    /**
     * Up to `n` distinct contact ids drawn at random, reading about `n` ids however many
     * people are stored. Ids are random UUIDs, so the ids that follow a random UUID are a
     * random run of people: the id space is cut at `runs` random points and the runs are
     * read from their starts, each as far as it reaches, until `n` ids are found.
     */
    async sampleIds(n: number, runs = 8): Promise<string[]> {
      const cuts = Array.from({ length: runs }, () => crypto.randomUUID()).sort();
      const after = ["", ...cuts];
      const upTo: (string | undefined)[] = [...cuts, undefined];
      let open = after.map((_, i) => i);
      const ids: string[] = [];
      while (ids.length < n && open.length > 0) {
        const want = Math.ceil((n - ids.length) / open.length);
        const pages = await together(
          db,
          open.map((i) =>
            db
              .select({ id: contacts.id })
              .from(contacts)
              .where(
                and(gt(contacts.id, after[i]!), upTo[i] ? lte(contacts.id, upTo[i]) : undefined),
              )
              .orderBy(asc(contacts.id))
              .limit(want),
          ),
        );
        open = open.filter((i, k) => {
          const page = pages[k]!;
          for (const row of page) ids.push(row.id);
          if (page.length < want) return false;
          after[i] = page.at(-1)!.id;
          return true;
        });
      }
      return ids.slice(0, n);
    },

    /**
     * In one batch: the history row that can undo it all (listing the loser's consent and
     * engagement rows as they are inside the batch), those rows moved to the winner, the
     * loser deleted and the winner saved with the loser's links.
     */
    async mergeInto(
      winner: Contact,
      loser: Contact,
      history: Omit<MergeRow, "moved" | "undoneAt">,
    ): Promise<void> {
      const moved = sql`json_object(
        'consent', json((select json_group_array(${consentEvents.id}) from ${consentEvents} where ${consentEvents.contactId} = ${loser.id})),
        'engagement', json((select json_group_array(${engagementEvents.key}) from ${engagementEvents} where ${engagementEvents.contactId} = ${loser.id}))
      )`;
      await write(
        [
          statement(db, db.insert(merges).values({ ...history, moved })),
          statement(
            db,
            db
              .update(consentEvents)
              .set({ contactId: winner.id })
              .where(eq(consentEvents.contactId, loser.id)),
          ),
          statement(
            db,
            db
              .update(engagementEvents)
              .set({ contactId: winner.id })
              .where(eq(engagementEvents.contactId, loser.id)),
          ),
          statement(db, db.delete(contacts).where(eq(contacts.id, loser.id))),
        ],
        saving([winner]),
      );
      persisted.delete(loser);
      lastSave.delete(loser.id);
    },

    /** Undoes a merge in one batch: both people saved, moved rows moved back. */
    async unmerge(row: MergeRow, winner: Contact, loser: Contact, now: number): Promise<void> {
      await write(
        [
          ...chunks(row.moved.consent).map((ids) =>
            statement(
              db,
              db
                .update(consentEvents)
                .set({ contactId: loser.id })
                .where(inArray(consentEvents.id, ids)),
            ),
          ),
          ...chunks(row.moved.engagement).map((keys) =>
            statement(
              db,
              db
                .update(engagementEvents)
                .set({ contactId: loser.id })
                .where(inArray(engagementEvents.key, keys)),
            ),
          ),
          statement(db, db.update(merges).set({ undoneAt: now }).where(eq(merges.id, row.id))),
        ],
        saving([winner, loser]),
        0,
      );
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
        .orderBy(desc(merges.createdAt));
    },

    /** Saves contacts with their links and match keys in one batch. */
    async save(list: Contact[]): Promise<void> {
      if (list.length > 0) await write([], saving(list));
    },
  };
}
