import type {
  Connector,
  ConsentCapable,
  ConsentRecord,
  ConsentWrite,
  RecordRef,
  SystemName,
} from "../../connectors/contract.ts";
import { type ConsentEvent, consentEventId, consentKey, mergeConsent } from "../core/consent.ts";
import { type ConsentSlot, planConsent, systemConsentOf } from "../core/consent-plan.ts";
import { type Contact, emailAddress, type Link, linkKey } from "../core/contact.ts";
import type { PipelineDeps } from "./pipeline.ts";

export type ConsentSlots = ReadonlyMap<SystemName, readonly ConsentSlot[]>;

const consentCapable = (c: Connector): c is Connector & ConsentCapable =>
  typeof (c as Partial<ConsentCapable>).readConsent === "function" &&
  typeof (c as Partial<ConsentCapable>).writeConsent === "function";

/**
 * Consent for a batch of people: read what each system says, keep what changed since
 * the hub last looked (a value the hub wrote and reads back is not a new statement),
 * merge, and tell every system what it does not show yet, opt-outs first. Runs before
 * ordinary field pushes so an opt-out is never queued behind them.
 */
export async function syncConsent(
  deps: PipelineDeps,
  contacts: Contact[],
  options: { dryRun?: boolean } = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const systems = [...deps.connectors].filter(
    (entry): entry is [SystemName, Connector & ConsentCapable] =>
      consentCapable(entry[1]) && (deps.consentSlots?.get(entry[0])?.length ?? 0) > 0,
  );
  if (systems.length === 0 || contacts.length === 0) return counts;

  const linkIndex = new Map<string, { contact: Contact; link: Link }>();
  for (const contact of contacts)
    for (const link of contact.links) linkIndex.set(linkKey(link), { contact, link });

  type Entry = { contact: Contact; link: Link };
  const readInto = async (entries: Entry[], into: Map<string, ConsentEvent[]>) => {
    await Promise.all(
      systems.map(async ([system, connector]) => {
        const refs = entries
          .filter(({ link }) => link.system === system)
          .map(({ contact, link }) => refOf(contact, link));
        if (refs.length === 0) return;
        for (const record of await connector.readConsent(refs)) {
          const hit = linkIndex.get(linkKey({ system, ...record }));
          if (hit) absorb(hit.contact, hit.link, record, into);
        }
      }),
    );
    if (!options.dryRun) {
      for (const [contactId, events] of into)
        await deps.store.consent.add(contactId, events, deps.now());
    }
    return [...into.values()].reduce((n, list) => n + list.length, 0);
  };
  const planAll = async (pending: Map<string, ConsentEvent[]>) => {
    const writes = new Map<SystemName, { op: ConsentWrite; link: Link }[]>();
    const storedBy = await deps.store.consent.forContacts(contacts.map((c) => c.id));
    for (const contact of contacts) {
      const merged = mergeConsent([
        ...(storedBy.get(contact.id) ?? []),
        ...(pending.get(contact.id) ?? []),
      ]);
      for (const [system] of systems) {
        for (const link of contact.links.filter((l) => l.system === system)) {
          const shows = new Map(Object.entries(link.consent ?? {}));
          const statements = planConsent(merged, shows, deps.consentSlots!.get(system)!);
          if (statements.length === 0) continue;
          const list = writes.get(system) ?? [];
          list.push({
            op: { ref: String(list.length), ...refOf(contact, link), statements },
            link,
          });
          writes.set(system, list);
        }
      }
    }
    return writes;
  };

  const fresh = new Map<string, ConsentEvent[]>();
  counts["consent.read"] = await readInto([...linkIndex.values()], fresh);
  // In a dry run nothing was stored, so the fresh statements are merged from memory.
  let writes = await planAll(options.dryRun ? fresh : new Map());
  // Lifting an opt-out is the one write that can do harm: read those records once more
  // right before writing, so an opt-out made there in the meantime wins instead.
  const liftingOptOuts = [...writes.values()]
    .flat()
    .filter((w) => w.op.statements.some((st) => st.state === "opted_in"))
    .map((w) => linkIndex.get(linkKey(w.link))!);
  if (liftingOptOuts.length > 0 && !options.dryRun) {
    if ((await readInto(liftingOptOuts, new Map())) > 0) writes = await planAll(new Map());
  }
  for (const [system, list] of writes) {
    counts[`${system}.consent`] = list.length;
    if (options.dryRun) continue;
    // Opt-outs first across people too.
    list.sort(
      (a, b) =>
        Number(b.op.statements[0]!.state === "opted_out") -
        Number(a.op.statements[0]!.state === "opted_out"),
    );
    const connector = systems.find(([s]) => s === system)![1];
    const results = await connector.writeConsent(list.map((w, i) => ({ ...w.op, ref: String(i) })));
    for (const result of results) {
      const { op, link } = list[Number(result.ref)]!;
      if (!result.ok) {
        counts.failed = (counts.failed ?? 0) + 1;
        continue;
      }
      link.consent = { ...link.consent };
      for (const s of op.statements) link.consent[consentKey(s.channel, s.purpose)] = s.state;
    }
  }
  return counts;
}

function refOf(contact: Contact, link: Link): RecordRef {
  const email =
    emailAddress(link.observed.email?.value) ?? emailAddress(contact.golden.email?.value);
  return { object: link.object, externalId: link.externalId, ...(email ? { email } : {}) };
}

/** Statements whose state differs from the link's snapshot are new; the snapshot follows the system. */
function absorb(
  contact: Contact,
  link: Link,
  record: ConsentRecord,
  fresh: Map<string, ConsentEvent[]>,
) {
  const shows = systemConsentOf(record.statements);
  const previous = link.consent ?? {};
  const events = fresh.get(contact.id) ?? [];
  for (const statement of record.statements) {
    const key = consentKey(statement.channel, statement.purpose);
    if (previous[key] === shows.get(key) || shows.get(key) !== statement.state) continue;
    events.push({ ...statement, source: link.system, id: consentEventId(link.system, statement) });
  }
  fresh.set(contact.id, events);
  link.consent = Object.fromEntries(shows);
}
