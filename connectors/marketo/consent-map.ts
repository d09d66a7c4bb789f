/**
 * Pure mapping between Marketo lead fields and ConsentStatements. No I/O here.
 *
 * `unsubscribed` is Marketo's channel-wide email opt-out (the person used an unsubscribe
 * link or form, or someone set it). `emailInvalid` (the address bounces) and
 * `marketingSuspended` (an operator's hold) are not the person's consent and are not
 * statements by default: propagating them as opt-outs would unsubscribe the person in every
 * other system for good, since an implicit state can never opt anyone back in.
 */
import type { ConsentChannel, ConsentStatement } from "../contract.ts";
import { optOutBoxStatement } from "../shared/opt-out-box.ts";
import { parseMarketoDatetime } from "./leads.ts";

/** A boolean lead field that, when true, opts the person out of a channel or purpose. */
export interface ConsentFieldMapping {
  field: string;
  channel: ConsentChannel;
  purpose: string | null;
}

export interface MarketoConsentOptions {
  /** Default: `unsubscribed` -> email, channel-wide. Custom boolean opt-out fields may be added. */
  fields?: ConsentFieldMapping[];
  /** Report `marketingSuspended: true` as an implicit email opt-out (default false). */
  marketingSuspendedAsOptOut?: boolean;
}

export const DEFAULT_CONSENT_FIELDS: ConsentFieldMapping[] = [
  { field: "unsubscribed", channel: "email", purpose: null },
];

/**
 * A true opt-out field is an explicit opt-out as of the lead's updatedAt (the field's own
 * change time is only in its Change Data Value activity). A false one is only implied
 * consent: `explicit: false`, never presented as an opt-in someone gave.
 */
export function leadStatements(
  lead: Record<string, unknown>,
  options: Required<MarketoConsentOptions>,
): ConsentStatement[] {
  const occurredAt = parseMarketoDatetime(lead.updatedAt);
  const statements = options.fields.map((m) =>
    optOutBoxStatement({
      channel: m.channel,
      purpose: m.purpose,
      checked: lead[m.field] === true,
      occurredAt,
      kind: "marketo_field",
      field: m.field,
      reason:
        m.field === "unsubscribed" && typeof lead.unsubscribedReason === "string"
          ? lead.unsubscribedReason || undefined
          : undefined,
    }),
  );
  if (options.marketingSuspendedAsOptOut && lead.marketingSuspended === true)
    statements.push({
      channel: "email",
      purpose: null,
      state: "opted_out",
      explicit: false,
      occurredAt,
      evidence: {
        kind: "marketo_field",
        ref: "marketingSuspended",
        note: "marketing suspended by an operator",
      },
    });
  return statements;
}

/** Fields a consent write reads, to send only changes. */
export const consentFieldsToRead = (options: Required<MarketoConsentOptions>) => [
  ...new Set([
    "updatedAt",
    "unsubscribedReason",
    "marketingSuspended",
    ...options.fields.map((f) => f.field),
  ]),
];

/**
 * Field values that make the statements true. Opt-out: set the field mapped to exactly that
 * channel/purpose (a channel-wide opt-out with no channel-wide field sets every purpose
 * field of the channel).
 * Opt-in: only explicit ones, and only the field mapped to exactly that channel/purpose.
 */
export function planConsentFields(
  statements: ConsentStatement[],
  mappings: ConsentFieldMapping[],
): Record<string, boolean> {
  const plan: Record<string, boolean> = {};
  for (const s of statements) {
    const exact = mappings.filter((m) => m.channel === s.channel && m.purpose === s.purpose);
    if (s.state === "opted_out") {
      const targets =
        s.purpose === null && exact.length === 0
          ? mappings.filter((m) => m.channel === s.channel)
          : exact;
      for (const m of targets) plan[m.field] = true;
      continue;
    }
    if (!s.explicit) continue;
    for (const m of exact) plan[m.field] = false;
  }
  return plan;
}
