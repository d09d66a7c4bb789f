import type { EngagementEvent } from "../../connectors/contract.ts";
import type { WorkingSet } from "../core/resolve.ts";
import { rescore } from "../core/scoring/publish.ts";
import { type RfmScore, rfmScores } from "../core/scoring/rfm.ts";
import type { ScoringRules } from "../core/scoring/rules.ts";
import type { Store } from "../store/index.ts";

/** People's stored engagement as scoring reads it (each one's newest 1,000 events; older ones have decayed). */
export async function engagementOf(
  store: Store,
  contactIds: string[],
): Promise<Map<string, EngagementEvent[]>> {
  const rows = await store.engagement.newest(contactIds, 1000);
  return new Map(
    contactIds.map((contactId) => [
      contactId,
      (rows.get(contactId) ?? []).map((r) => ({
        key: r.key,
        system: r.system as EngagementEvent["system"],
        type: r.type as EngagementEvent["type"],
        person: { object: "contact", externalId: contactId },
        occurredAt: r.occurredAt,
        ...(r.title ? { title: r.title } : {}),
        detail: r.detail as EngagementEvent["detail"],
      })),
    ]),
  );
}

/** Scores every touched person; returns how many now publish a different score. */
export async function rescoreTouched(
  deps: { store: Store; scoring: ScoringRules; now: () => number },
  ws: WorkingSet,
  rfm?: ReadonlyMap<string, RfmScore>,
): Promise<number> {
  let changed = 0;
  const now = deps.now();
  const engagement = await engagementOf(deps.store, [...ws.touched]);
  for (const id of ws.touched) {
    const contact = ws.contacts.get(id)!;
    const before = contact.score?.published;
    const events = engagement.get(id)!;
    contact.score = rescore(contact, events, deps.scoring, now, rfm && (rfm.get(id) ?? null));
    if (contact.score.published !== before) changed++;
  }
  return changed;
}

/**
 * RFM of every buyer, from all stored purchase events (quintiles are ranks within the
 * population, so they are computed for everyone at once, by the rescore job).
 */
export async function rfmOfBuyers(store: Store, now: number): Promise<Map<string, RfmScore>> {
  const byContact = new Map<string, EngagementEvent[]>();
  for (const row of await store.engagement.purchases()) {
    const list = byContact.get(row.contactId) ?? [];
    list.push({
      key: row.key,
      system: row.system as EngagementEvent["system"],
      type: "purchase",
      person: { object: "contact", externalId: row.contactId },
      occurredAt: row.occurredAt,
      detail: row.detail as EngagementEvent["detail"],
    });
    byContact.set(row.contactId, list);
  }
  return rfmScores(
    [...byContact].map(([contactId, events]) => ({ contactId, events })),
    now,
  );
}
