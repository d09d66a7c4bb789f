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
  contact: `insert into contacts (id, golden, created_at, updated_at, score, version, held_until) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (id) do update set golden = excluded.golden, updated_at = excluded.updated_at,
    score = excluded.score, version = excluded.version, held_until = excluded.held_until`,
  /**
   * The version (and hold) of a person whose row is as last saved, when their links or keys
   * are saved. An insert only if they were deleted since, which the trigger refuses (version > 1).
   */
  bump: `insert into contacts (id, golden, created_at, updated_at, version, held_until) values (?, '{}', 0, 0, ?, ?)
    on conflict (id) do update set version = excluded.version, held_until = excluded.held_until`,
  /** Checks a person about to be deleted (a merge's loser) is as read; no-op if gone already. */
  touch: "update contacts set version = ? where id = ?",
  dropLinks: "delete from links where contact_id = ?",
  link: `insert into links (system, object, external_id, contact_id, observed, consent, last_synced_at, created_by_hub) values (?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (system, object, external_id) do update set contact_id = excluded.contact_id,
    observed = excluded.observed, consent = excluded.consent, last_synced_at = excluded.last_synced_at,
    created_by_hub = excluded.created_by_hub`,
  dropLink:
    "delete from links where system = ? and object = ? and external_id = ? and contact_id = ?",
  dropKeys: "delete from match_keys where contact_id = ?",
  key: "insert or ignore into match_keys (kind, value, contact_id) values (?, ?, ?)",
  dropKey: "delete from match_keys where kind = ? and value = ? and contact_id = ?",
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
  version: number;
  held_until: number | null;
}
interface LinkRowText {
  system: string;
  object: string;
  external_id: string;
  contact_id: string;
  observed: string;
  consent: string | null;
  last_synced_at: number | null;
  created_by_hub: number;
}

/** Ids whose last save is remembered (a batch saves its people twice within a few hundred). */
const RECENT_SAVES = 20_000;

/**
 * How long a batch that saved a person may take to write them to other systems and save them
 * again, before another batch may go ahead regardless (its isolate died mid-batch).
 */
export const HOLD_MS = 120_000;

const STALE = "tsunagu: stale person";

/**
 * A save refused because the person is not as this batch read them: saved by someone else
 * since (another isolate or process), deleted since, a record of theirs linked to another
 * person meanwhile, or held by a batch still writing them out. Nothing of the save was
 * written: re-run the batch from fresh state (the engine does, see src/sync/engine.ts).
 */
export class StalePersonError extends Error {
  constructor(
    message: string,
    /** Until when the person is held by the other batch, if that is the reason. */
    readonly heldUntil?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "StalePersonError";
  }
}

/** A person as read or last saved: the version the next save must follow, and their hold. */
interface Read {
  version: number;
  heldUntil: number | null;
}

/**
 * Who saves: the store itself, or one batch (`writer()`). A batch remembers what it read of
 * each id, the first reading winning: a contact it builds from one read (a merge's result)
 * carries no version of its own and is checked against that. With holds (Workers), each
 * person it saves is held until the batch releases them: another batch that reads them
 * meanwhile is refused at its save, so no two batches write one person out to other
 * systems at once (both would create their record there).
 */
interface Writer {
  readonly byId: Map<string, Read>;
  readonly batch: boolean;
  /** Whom this batch holds (null: it takes no holds), and the `held_until` values it wrote. */
  readonly held: Set<string> | null;
  readonly holdValues: Set<number>;
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/**
 * Up to a limit (the last parameter) of holders of each of `n` values of one key kind, in one statement: a key held
 * by thousands returns no more rows than the cap.
 */
const heldBy = (n: number) =>
  `select kind, value, contact_id from (select kind, value, contact_id, row_number() over (partition by value) as n
    from match_keys where kind = ? and value in (${placeholders(n)})) where n <= ?`;

/** Oversized keys remembered (see `oversized`). */
const OVERSIZED_KEYS = 100_000;

/** Sets `key` as the newest entry of `map`, dropping the oldest past `cap`. */
function setRecent<K, V>(map: Map<K, V>, key: K, value: V, cap: number) {
  map.delete(key);
  map.set(key, value);
  if (map.size > cap) map.delete(map.keys().next().value!);
}

export function contactQueries(db: Db, identity: Identity, options: { holds?: boolean } = {}) {
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
  /**
   * Keys found held by more people than a block may hold, with how many (up to the cap asked
   * + 1), so they are not read again: a store's common values only grow more common. A key
   * that shrank below the cap again (merges, erasure) nominates again after a restart.
   */
  const oversized = new Map<string, number>();
  let saves = 0;
  const remember = (id: string, seq: number) => {
    setRecent(lastSave, id, seq, RECENT_SAVES);
  };
  const stillLast = (contact: Contact) => {
    const before = persisted.get(contact);
    return before && lastSave.get(contact.id) === before.seq ? before : undefined;
  };

  /** The version and hold each contact object was read or saved with. */
  const reads = new WeakMap<Contact, Read>();
  const newWriter = (batch: boolean, holds: boolean): Writer => ({
    byId: new Map(),
    batch,
    held: holds ? new Set() : null,
    holdValues: new Set(),
  });
  /** Holds this process's batches took and released: what was read of them holds nobody. */
  const released = new Set<number>();
  /** The store's own writer, outside batches: its memory by id is the latest read, capped. */
  const own = newWriter(false, false);
  /**
   * What this process last saved of each recently saved id. A contact object read before
   * that save (of another object of the id) follows it: this process's own writes succeed
   * each other as they always did; only another process's save makes an object stale.
   */
  const savedById = newWriter(false, false);
  const note = (writer: Writer, id: string, read: Read, saved: boolean) => {
    if (writer.batch) {
      if (saved || !writer.byId.has(id)) writer.byId.set(id, read);
      return;
    }
    setRecent(writer.byId, id, read, RECENT_SAVES);
  };
  const forget = (writer: Writer, contact: Contact) => {
    reads.delete(contact);
    for (const w of [writer, own, savedById]) w.byId.delete(contact.id);
  };
  const readOf = (contact: Contact, writer: Writer): Read | undefined => {
    const read = reads.get(contact) ?? writer.byId.get(contact.id) ?? own.byId.get(contact.id);
    const saved = savedById.byId.get(contact.id);
    return saved && (!read || saved.version > read.version) ? saved : read;
  };
  /** Refuses to save someone another batch holds (read while it was writing them out). */
  const notHeld = (contact: Contact, read: Read | undefined, writer: Writer, now: number) => {
    const until = read?.heldUntil;
    if (until && until > now && !writer.held?.has(contact.id) && !released.has(until))
      throw new StalePersonError(
        `${STALE}: held by another batch until ${new Date(until).toISOString()}`,
        until,
      );
  };

  /**
   * Records that several people of one save hold (a write there answered with a record that
   * another person of the batch has, e.g. an upsert by email), with those people in order:
   * the last of them keeps the record, as when each save simply took it.
   */
  function sharedLinks(list: Contact[]): Map<string, Contact[]> | undefined {
    if (list.length < 2) return undefined;
    const holder = new Map<string, Contact[]>();
    let shared: Map<string, Contact[]> | undefined;
    for (const contact of list)
      for (const link of contact.links) {
        const key = linkKey(link);
        const holders = holder.get(key);
        if (!holders) holder.set(key, [contact]);
        else if (holders.at(-1) !== contact) {
          holders.push(contact);
          shared ??= new Map();
          shared.set(key, holders);
        }
      }
    return shared;
  }

  /**
   * The statements that save these contacts, and what to remember once they are committed.
   * Each person saved is written at the version read plus one (new people, and `fresh` ones,
   * at 1), which the contacts triggers refuse unless the row is still at the version read.
   */
  function saving(
    list: Contact[],
    writer: Writer,
    fresh?: Contact,
  ): { statements: D1LikeStatement[]; commit(): void } {
    const statements: D1LikeStatement[] = [];
    const after: [Contact, Persisted, Read | undefined][] = [];
    const clock = Date.now();
    const hold = writer.held ? clock + HOLD_MS : null;
    const shared = sharedLinks(list);
    for (const contact of list) {
      const read = contact === fresh ? undefined : readOf(contact, writer);
      notHeld(contact, read, writer, clock);
      const version = (read?.version ?? 0) + 1;
      /** This person's statements. */
      const mine: D1LikeStatement[] = [];
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
      if (before?.row !== now.row) mine.push(prepared.contact.bind(...values, version, hold));
      // Someone never saved (no read) has no rows to replace.
      const replaces = !before && (read !== undefined || contact === fresh);
      if (replaces) mine.push(prepared.dropLinks.bind(contact.id));
      for (const link of contact.links) {
        const values = [
          link.system,
          link.object,
          link.externalId,
          contact.id,
          JSON.stringify(link.observed),
          link.consent ? JSON.stringify(link.consent) : null,
          link.lastSyncedAt,
          link.createdByHub ? 1 : 0,
        ] as const;
        const key = linkKey(link);
        const row = JSON.stringify(values);
        const { system, object, externalId } = link;
        now.links.set(key, { ref: { system, object, externalId }, row });
        const holders = shared?.get(key);
        if (holders && holders.at(-1) !== contact) continue;
        if (before?.links.get(key)?.row === row) continue;
        // A record is moved by insert (its other row goes first), never by update: the trigger
        // refuses that, for it is how a batch would take a record another process gave someone.
        for (const other of holders ?? [])
          if (other !== contact)
            mine.push(prepared.dropLink.bind(system, object, externalId, other.id));
        mine.push(prepared.link.bind(...values));
      }
      for (const [key, { ref }] of before?.links ?? []) {
        if (now.links.has(key)) continue;
        mine.push(prepared.dropLink.bind(ref.system, ref.object, ref.externalId, contact.id));
      }
      if (replaces) mine.push(prepared.dropKeys.bind(contact.id));
      for (const key of identity.contactKeys(contact)) {
        const text = keyString(key);
        now.keys.add(text);
        if (!before?.keys.has(text)) mine.push(prepared.key.bind(key.kind, key.value, contact.id));
      }
      for (const text of before?.keys ?? []) {
        if (now.keys.has(text)) continue;
        const [kind, value] = text.split("\u0000");
        mine.push(prepared.dropKey.bind(kind, value, contact.id));
      }
      // Whatever is saved of a person checks and moves their version; a batch with holds
      // holds everyone it saves from its first save on, changed or not.
      const unheld = writer.held !== null && !writer.held.has(contact.id);
      if (before?.row === now.row && (mine.length > 0 || unheld))
        mine.unshift(prepared.bump.bind(contact.id, version, hold));
      statements.push(...mine);
      after.push([contact, now, mine.length > 0 ? { version, heldUntil: hold } : undefined]);
    }
    return {
      statements,
      commit: () => {
        for (const [contact, state, saved] of after) {
          persisted.set(contact, state);
          remember(contact.id, state.seq);
          if (!saved) continue;
          reads.set(contact, saved);
          note(writer, contact.id, saved, true);
          if (writer !== own) note(own, contact.id, saved, true);
          note(savedById, contact.id, saved, true);
          if (writer.held && hold !== null) {
            writer.held.add(contact.id);
            writer.holdValues.add(hold);
          }
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
    try {
      await atomically(db, [
        ...statements.slice(0, at),
        ...saved.statements,
        ...statements.slice(at),
      ]);
    } catch (error) {
      // A trigger of drizzle/0007_person_version.sql refused the batch (D1 and SQLite alike).
      if (error instanceof Error && error.message.includes(STALE))
        throw new StalePersonError(error.message, undefined, { cause: error });
      throw error;
    }
    saved.commit();
  }

  /**
   * Lets go of the people this batch holds, if they are still its own: held until one of the
   * times it wrote (it made them all, so another batch's hold is never in between).
   */
  async function release(writer: Writer): Promise<void> {
    if (!writer.held || writer.held.size === 0) return;
    const values = [...writer.holdValues];
    const ids = [...writer.held];
    writer.held.clear();
    writer.holdValues.clear();
    await atomically(
      db,
      chunks(ids).map((part) =>
        db.$client
          .prepare(
            `update contacts set held_until = null where held_until between ? and ? and id in (${placeholders(part.length)})`,
          )
          .bind(Math.min(...values), Math.max(...values), ...part),
      ),
    );
    const now = Date.now();
    for (const until of released) if (until <= now) released.delete(until);
    for (const until of values) released.add(until);
  }

  async function load(ids: string[], writer: Writer): Promise<Contact[]> {
    if (ids.length === 0) return [];
    const parts = chunks(ids);
    // One batch, so the people and their links are read as of the same moment.
    const results = await db.$client.batch<ContactRowText | LinkRowText>([
      ...parts.map((part) =>
        db.$client
          .prepare(
            `select id, golden, created_at, updated_at, score, version, held_until from contacts where id in (${placeholders(part.length)})`,
          )
          .bind(...part),
      ),
      ...parts.map((part) =>
        db.$client
          .prepare(
            `select system, object, external_id, contact_id, observed, consent, last_synced_at, created_by_hub from links where contact_id in (${placeholders(part.length)})`,
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
        ...(row.created_by_hub ? { createdByHub: true as const } : {}),
      });
      byContact.set(row.contact_id, list);
    }
    return rows.map((row) => {
      const contact: Contact = {
        id: row.id,
        golden: JSON.parse(row.golden),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        score: row.score === null ? null : JSON.parse(row.score),
        links: byContact.get(row.id) ?? [],
      };
      const read = { version: row.version, heldUntil: row.held_until };
      reads.set(contact, read);
      note(writer, row.id, read, false);
      if (writer !== own) note(own, row.id, read, false);
      return contact;
    });
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

  async function loadFor(refs: LinkRef[], keys: MatchKey[], writer: Writer): Promise<Contact[]> {
    const rows = await together(db, [...holdersOf(keys), ...linkedTo(refs)]);
    return load([...new Set(rows.flat().map((row) => row.contactId))], writer);
  }

  /** The contacts queries as one writer: the store's own, or one batch's (`writer()`). */
  const queries = (writer: Writer) => ({
    /** Contacts reachable from these records (crosswalk) or these identity keys, with all their links. */
    loadFor: (refs: LinkRef[], keys: MatchKey[]) => loadFor(refs, keys, writer),

    async get(id: string): Promise<Contact | undefined> {
      return (await load([id], writer))[0];
    },

    async byEmail(email: string): Promise<Contact[]> {
      const key = identity.emailKey(email);
      return key ? loadFor([], [{ kind: "email", value: key }], writer) : [];
    },

    /**
     * The people holding each of these keys, by `keyString`. A key held by more than
     * `maxBlock` people nominates nobody (an empty list): so common a value says little about
     * identity, and scoring every holder would make one record cost as much as the whole store.
     */
    async holders(keys: MatchKey[], maxBlock: number): Promise<Map<string, string[]>> {
      const byKey = new Map<string, string[]>();
      const byKind = new Map<string, Set<string>>();
      for (const key of keys) {
        const k = keyString(key);
        if (byKey.has(k)) continue;
        byKey.set(k, []);
        if ((oversized.get(k) ?? 0) > maxBlock) continue;
        const values = byKind.get(key.kind) ?? new Set();
        byKind.set(key.kind, values.add(key.value));
      }
      const queries = [...byKind].flatMap(([kind, values]) =>
        chunks([...values]).map((part) =>
          db.$client.prepare(heldBy(part.length)).bind(kind, ...part, maxBlock + 1),
        ),
      );
      if (queries.length === 0) return byKey;
      const results = await db.$client.batch<{ kind: string; value: string; contact_id: string }>(
        queries,
      );
      for (const { results: rows } of results)
        for (const row of rows) byKey.get(keyString(row))!.push(row.contact_id);
      for (const [k, ids] of byKey) {
        if (ids.length <= maxBlock) continue;
        byKey.set(k, []);
        setRecent(oversized, k, ids.length, OVERSIZED_KEYS);
      }
      return byKey;
    },

    load: (ids: string[]) => load(ids, writer),

    async list(limit: number, after?: string): Promise<Contact[]> {
      const rows = await db
        .select({ id: contacts.id })
        .from(contacts)
        .where(after ? gt(contacts.id, after) : undefined)
        .orderBy(asc(contacts.id))
        .limit(limit);
      return load(
        rows.map((r) => r.id),
        writer,
      );
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
     * loser deleted and the winner saved with the loser's links. A loser saved by someone
     * else since it was read refuses the batch, as the winner does.
     */
    async mergeInto(
      winner: Contact,
      loser: Contact,
      history: Omit<MergeRow, "moved" | "undoneAt">,
    ): Promise<void> {
      const read = readOf(loser, writer);
      notHeld(loser, read, writer, Date.now());
      const moved = sql`json_object(
        'consent', json((select json_group_array(${consentEvents.id}) from ${consentEvents} where ${consentEvents.contactId} = ${loser.id})),
        'engagement', json((select json_group_array(${engagementEvents.key}) from ${engagementEvents} where ${engagementEvents.contactId} = ${loser.id}))
      )`;
      await write(
        [
          ...(read ? [prepared.touch.bind(read.version + 1, loser.id)] : []),
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
        saving([winner], writer),
      );
      persisted.delete(loser);
      lastSave.delete(loser.id);
      forget(writer, loser);
      writer.held?.delete(loser.id);
    },

    /** Undoes a merge in one batch: both people saved (the loser anew), moved rows moved back. */
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
        saving([winner, loser], writer, loser),
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

    /**
     * Saves contacts with their links and match keys in one batch; throws StalePersonError,
     * having written nothing, if any of them is not as read (see `saving`).
     */
    async save(list: Contact[]): Promise<void> {
      if (list.length > 0) await write([], saving(list, writer));
    },

    /**
     * The same queries as one batch, the one writer of the people it saves until `release`:
     * what it reads is what its saves are checked against, and (with holds) the people it
     * saved are held from other batches meanwhile.
     */
    writer: () => queries(newWriter(true, options.holds === true)),

    /** Ends a batch's writer: the people it holds are free again. */
    release: () => release(writer),
  });

  return queries(own);
}
