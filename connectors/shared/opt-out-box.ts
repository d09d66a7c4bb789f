import type { ConsentChannel, ConsentStatement } from "../contract.ts";

/**
 * What an opt-out check box (Salesforce HasOptedOutOfEmail, Marketo unsubscribed) says.
 * Ticked is an explicit opt-out. Unticked only implies no objection: an implicit opt-in,
 * which the hub's consent rules never let opt anyone in.
 */
export function optOutBoxStatement(box: {
  channel: ConsentChannel;
  purpose: string | null;
  checked: boolean;
  occurredAt: number;
  /** Evidence kind, e.g. "salesforce_field", and the field's name. */
  kind: string;
  field: string;
  /** Why it was ticked, when the system records it. */
  reason?: string | undefined;
}): ConsentStatement {
  const note = box.checked
    ? box.reason
    : "unchecked opt-out box: implies no objection, not consent";
  return {
    channel: box.channel,
    purpose: box.purpose,
    state: box.checked ? "opted_out" : "opted_in",
    explicit: box.checked,
    occurredAt: box.occurredAt,
    evidence: { kind: box.kind, ref: box.field, ...(note ? { note } : {}) },
  };
}
