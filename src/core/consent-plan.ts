import type { ConsentChannel, ConsentStatement } from "../../connectors/contract.ts";
import { type ConsentEntry, consentKey, effectiveConsent } from "./consent.ts";

/** A channel/purpose a system can hold, and whether it insists on a legal basis for an opt-in. */
export interface ConsentSlot {
  channel: ConsentChannel;
  purpose: string | null;
  optInNeedsLegalBasis: boolean;
}

/** What the system shows now per slot: its latest statement, implicit ones included. */
export type SystemConsent = Map<string, "opted_in" | "opted_out">;

/** The newest statement per slot, as the system itself shows it (implicit ones included). */
export function systemConsentOf(statements: ConsentStatement[]): SystemConsent {
  const newest = new Map<string, ConsentStatement>();
  for (const s of statements) {
    const key = consentKey(s.channel, s.purpose);
    const current = newest.get(key);
    if (!current || s.occurredAt > current.occurredAt) newest.set(key, s);
  }
  return new Map([...newest].map(([key, s]) => [key, s.state]));
}

/**
 * The statements to write so a system agrees with the merged consent: nothing where the
 * state is unknown or already shown, opt-outs before opt-ins (an opt-out is the urgent,
 * legally binding direction), and no opt-in without a legal basis where the system needs one.
 */
export function planConsent(
  merged: Map<string, ConsentEntry>,
  shows: SystemConsent,
  slots: readonly ConsentSlot[],
): ConsentStatement[] {
  const writes: ConsentStatement[] = [];
  // Channel-wide slots first, and purposes judged against the state after those writes:
  // lifting a channel-wide opt-out must not leave a purpose that relied on it opted in.
  const after: SystemConsent = new Map(shows);
  const ordered = [...slots].sort(
    (a, b) => Number(a.purpose !== null) - Number(b.purpose !== null),
  );
  for (const slot of ordered) {
    const entry = effectiveConsent(merged, slot.channel, slot.purpose);
    if (entry.state === "unknown" || !entry.decidedBy) continue;
    if (shownState(after, slot) === entry.state) continue;
    if (entry.state === "opted_in" && slot.optInNeedsLegalBasis && !entry.legalBasis) continue;
    after.set(consentKey(slot.channel, slot.purpose), entry.state);
    writes.push({
      channel: slot.channel,
      purpose: slot.purpose,
      state: entry.state,
      explicit: true,
      ...(entry.legalBasis ? { legalBasis: entry.legalBasis } : {}),
      occurredAt: entry.decidedBy.occurredAt,
      evidence: { kind: "tsunagu_propagation", ref: entry.decidedBy.id },
    });
  }
  return writes.sort((a, b) => (a.state === b.state ? 0 : a.state === "opted_out" ? -1 : 1));
}

/** A system's channel-wide opt-out also holds for every purpose on that channel. */
function shownState(shows: SystemConsent, slot: ConsentSlot) {
  const own = shows.get(consentKey(slot.channel, slot.purpose));
  if (own !== undefined || slot.purpose === null) return own;
  return shows.get(consentKey(slot.channel, null)) === "opted_out" ? "opted_out" : undefined;
}
