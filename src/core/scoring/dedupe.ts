import type { EngagementEvent } from "../../../connectors/contract.ts";
import { normalizeTitle, normalizeUrl } from "./match.ts";

export const DEFAULT_DEDUPE_WINDOW_MINUTES = 10;

/** The URL an event is about: `detail.url`, else `detail.pageUrl`, normalized (match.ts). */
export const eventUrl = (event: EngagementEvent): string | null =>
  normalizeUrl(event.detail.url ?? event.detail.pageUrl);

/**
 * The same thing a person did, seen through several systems, counts once before scoring.
 *
 * 1. Same key: re-reads of one event keep the first copy.
 * 2. Echoes: an event whose `detail.tsunaguKey` names another event in the list is a copy
 *    the hub itself wrote (an email click synced into Salesforce as a Task) and is dropped.
 *    When the original is not in the list, the echo stays and counts as what it is (a task).
 * 3. Near-duplicates: events with the same type, URL and title (normalized: case, query
 *    string, trailing slash, whitespace) are one event when they are less than
 *    `windowMinutes` apart, whatever system recorded them (a form fill in HubSpot and in
 *    Marketo). Going from the newest back, the newest event is kept and every older one
 *    less than a window before the last kept event is dropped; the next older one is kept.
 *
 * Keeping the newest (rather than chaining from the oldest) means adding an event never
 * leaves older survivors than before: the k-th newest survivor is at least as recent, so
 * with decaying points the engagement score cannot drop when an event is added.
 *
 * Output is ordered oldest first (ties by key). Pure: no I/O, input not modified.
 */
export function dedupeEvents(
  events: readonly EngagementEvent[],
  windowMinutes: number = DEFAULT_DEDUPE_WINDOW_MINUTES,
): EngagementEvent[] {
  const byKey = new Map<string, EngagementEvent>();
  for (const event of events) if (!byKey.has(event.key)) byKey.set(event.key, event);

  const originals = [...byKey.values()].filter((event) => {
    const echoOf = event.detail.tsunaguKey;
    return !(typeof echoOf === "string" && echoOf !== event.key && byKey.has(echoOf));
  });

  const newestFirst = originals.sort(
    (a, b) => b.occurredAt - a.occurredAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const windowMs = windowMinutes * 60_000;
  const lastKept = new Map<string, number>();
  const kept: EngagementEvent[] = [];
  for (const event of newestFirst) {
    const group = JSON.stringify([event.type, eventUrl(event), normalizeTitle(event.title)]);
    const anchor = lastKept.get(group);
    if (anchor !== undefined && anchor - event.occurredAt < windowMs) continue;
    lastKept.set(group, event.occurredAt);
    kept.push(event);
  }
  return kept.sort(
    (a, b) => a.occurredAt - b.occurredAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
