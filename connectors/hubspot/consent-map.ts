/**
 * Pure mapping between HubSpot subscription statuses and ConsentStatements. The only place
 * that knows SUBSCRIBED means opted in, which subscription is which purpose, and that a
 * portal-wide opt-out is the whole email channel (`purpose: null`).
 */
import { type ConsentStatement, LEGAL_BASES, type LegalBasis } from "../contract.ts";
import type { HubspotV3Status, HubspotV4Status } from "./api-types.ts";

export interface ConsentSubscription {
  subscriptionId: string;
  channel: "email";
  purpose: string;
}

export interface ConsentConfig {
  subscriptions: ConsentSubscription[];
}

export interface PurposeMap {
  purposeOf(subscriptionId: string): string | undefined;
  subscriptionsFor(purpose: string): string[];
}

export function purposeMap(config: ConsentConfig | undefined): PurposeMap {
  const byId = new Map<string, string>();
  const byPurpose = new Map<string, string[]>();
  for (const s of config?.subscriptions ?? []) {
    byId.set(String(s.subscriptionId), s.purpose);
    byPurpose.set(s.purpose, [...(byPurpose.get(s.purpose) ?? []), String(s.subscriptionId)]);
  }
  return {
    purposeOf: (id) => byId.get(String(id)),
    subscriptionsFor: (purpose) => byPurpose.get(purpose) ?? [],
  };
}

export const EVIDENCE_KIND = "hubspot_subscription_status";

export function toLegalBasis(value: string | null | undefined): LegalBasis | undefined {
  return value && (LEGAL_BASES as readonly string[]).includes(value)
    ? (value as LegalBasis)
    : undefined;
}

function parseTime(value: string | undefined, fallback: number): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? fallback : ms;
}

function statement(
  purpose: string | null,
  state: ConsentStatement["state"],
  occurredAt: number,
  ref: string,
  legalBasis?: LegalBasis,
  note?: string,
): ConsentStatement {
  return {
    channel: "email",
    purpose,
    state,
    explicit: true,
    ...(legalBasis ? { legalBasis } : {}),
    occurredAt,
    evidence: { kind: EVIDENCE_KIND, ref, ...(note ? { note } : {}) },
  };
}

/**
 * v4: SUBSCRIBED -> opted_in, UNSUBSCRIBED -> opted_out, NOT_SPECIFIED -> nothing; a
 * portal-wide UNSUBSCRIBED -> `purpose: null` opted_out. Subscriptions with no configured
 * purpose are left out.
 */
export function statementsFromV4(
  statuses: HubspotV4Status[],
  wide: Array<{ status: string; timestamp?: string }>,
  purposes: PurposeMap,
  now: number,
): ConsentStatement[] {
  const out: ConsentStatement[] = [];
  for (const w of wide) {
    if (w.status === "UNSUBSCRIBED") {
      out.push(statement(null, "opted_out", parseTime(w.timestamp, now), "all"));
    }
  }
  for (const s of statuses) {
    if (s.status === "NOT_SPECIFIED") continue;
    const purpose = purposes.purposeOf(s.subscriptionId);
    if (purpose === undefined) continue;
    out.push(
      statement(
        purpose,
        s.status === "SUBSCRIBED" ? "opted_in" : "opted_out",
        parseTime(s.timestamp, now),
        s.subscriptionId,
        toLegalBasis(s.legalBasis),
      ),
    );
  }
  return out;
}

/**
 * v3 (fallback when the v4 batch scopes are missing): no timestamps, so `occurredAt` is the
 * read time and the note says so. PORTAL_WIDE_STATUS on any subscription is the
 * unsubscribe-from-all, reported once as `purpose: null`; those rows say nothing about the
 * individual subscription.
 */
export function statementsFromV3(
  statuses: HubspotV3Status[],
  purposes: PurposeMap,
  now: number,
): ConsentStatement[] {
  const note = "communication preferences v3: no status timestamp; occurredAt is the read time";
  const out: ConsentStatement[] = [];
  if (statuses.some((s) => s.sourceOfStatus === "PORTAL_WIDE_STATUS")) {
    out.push(statement(null, "opted_out", now, "all", undefined, note));
  }
  for (const s of statuses) {
    if (s.sourceOfStatus === "PORTAL_WIDE_STATUS") continue;
    const purpose = purposes.purposeOf(s.id);
    if (purpose === undefined) continue;
    out.push(
      statement(
        purpose,
        s.status === "SUBSCRIBED" ? "opted_in" : "opted_out",
        now,
        s.id,
        toLegalBasis(s.legalBasis),
        note,
      ),
    );
  }
  return out;
}
