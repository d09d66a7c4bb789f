import type {
  ConsentChannel,
  ConsentStatement,
  LegalBasis,
  SystemName,
} from "../../connectors/contract.ts";

/** A consent statement as the hub keeps it: append-only, attributed, deduplicated by id. */
export interface ConsentEvent extends ConsentStatement {
  id: string;
  source: SystemName | "api";
}

export type ConsentState = "opted_in" | "opted_out" | "unknown";

export interface ConsentEntry {
  channel: ConsentChannel;
  /** null: the whole channel. */
  purpose: string | null;
  state: ConsentState;
  /** The statement that decides the state (absent while unknown). */
  decidedBy?: ConsentEvent;
  legalBasis?: LegalBasis;
}

export const consentKey = (channel: ConsentChannel, purpose: string | null) =>
  `${channel}/${purpose ?? "*"}`;

/**
 * A stable id for a statement: the same statement read twice, or replayed by a webhook,
 * gets the same id and is stored once.
 */
export function consentEventId(source: ConsentEvent["source"], s: ConsentStatement): string {
  return [
    source,
    s.evidence.kind,
    s.evidence.ref ?? "",
    s.channel,
    s.purpose ?? "*",
    s.state,
    s.explicit ? "x" : "i",
    s.occurredAt,
  ].join("|");
}

/**
 * Merge rules (safety first):
 * - only explicit statements can opt anyone in; an implicit opt-in (an unchecked
 *   HasOptedOutOfEmail) is ignored, while any opt-out counts;
 * - per channel and purpose the newest statement wins, and at equal time the opt-out wins;
 * - a channel-wide opt-out beats every per-purpose opt-in, older or newer, until a newer
 *   explicit channel-wide opt-in lifts it.
 */
export function mergeConsent(events: Iterable<ConsentEvent>): Map<string, ConsentEntry> {
  const newest = new Map<string, ConsentEvent>();
  for (const event of events) {
    if (event.state === "opted_in" && !event.explicit) continue;
    const key = consentKey(event.channel, event.purpose);
    const current = newest.get(key);
    if (!current || decides(event, current)) newest.set(key, event);
  }
  const merged = new Map<string, ConsentEntry>();
  for (const [key, event] of newest) {
    const global = event.purpose === null ? undefined : newest.get(consentKey(event.channel, null));
    const decisive = global?.state === "opted_out" ? global : event;
    merged.set(key, {
      channel: event.channel,
      purpose: event.purpose,
      state: decisive.state,
      decidedBy: decisive,
      ...(decisive.legalBasis ? { legalBasis: decisive.legalBasis } : {}),
    });
  }
  return merged;
}

/** The effective state for one channel/purpose, including purposes nobody has spoken about. */
export function effectiveConsent(
  merged: Map<string, ConsentEntry>,
  channel: ConsentChannel,
  purpose: string | null,
): ConsentEntry {
  const own = merged.get(consentKey(channel, purpose));
  if (own) return own;
  const global = merged.get(consentKey(channel, null));
  if (purpose !== null && global?.state === "opted_out") return { ...global, purpose };
  return { channel, purpose, state: "unknown" };
}

function decides(candidate: ConsentEvent, current: ConsentEvent): boolean {
  if (candidate.occurredAt !== current.occurredAt) return candidate.occurredAt > current.occurredAt;
  if (candidate.state !== current.state) return candidate.state === "opted_out";
  return candidate.id < current.id;
}
