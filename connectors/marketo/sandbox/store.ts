/**
 * The lead database. Every create logs a New Lead activity (12) and every real change of a
 * field logs a Change Data Value activity (13) with New/Old Value, which is what incremental
 * readers page through. `updatedAt` moves only when a value actually changes. Duplicate
 * emails are allowed (as in Marketo); email lookups are case-insensitive. A delete removes
 * the lead and its activity history and logs a Delete Lead activity (37).
 */
import { type ActivityLog, DELETE_LEAD_TYPE, MERGE_LEADS_TYPE } from "./activities.ts";
import { coerce, type FieldCatalogue, formatDatetime, type StoredValue } from "./fields.ts";

export interface StoredLead {
  id: number;
  values: Record<string, StoredValue>;
  createdAt: number;
  updatedAt: number;
}

export type ChangeSource = "api" | "ui" | "seed";

export interface LeadChange {
  lead: StoredLead;
  kind: "created" | "changed";
  changed: string[];
  at: number;
}

export interface Reason {
  code: string;
  message: string;
}

const SOURCE_LABEL: Record<ChangeSource, string> = {
  api: "Web service API",
  ui: "Changed by user",
  seed: "List import",
};

const NOT_WRITABLE = new Set(["id", "createdAt", "updatedAt"]);

export class LeadStore {
  private readonly leads = new Map<number, StoredLead>();
  /** Lead ids by lower-cased email ("" for none); emails need not be unique. */
  private readonly emails = new Map<string, Set<number>>();
  private nextId = 1;
  private readonly listeners: Array<(change: LeadChange) => void> = [];

  constructor(
    readonly fields: FieldCatalogue,
    private readonly activities: ActivityLog,
    private readonly clock: () => number = Date.now,
  ) {}

  onChange(listener: (change: LeadChange) => void): void {
    this.listeners.push(listener);
  }

  get(id: number): StoredLead | undefined {
    return this.leads.get(id);
  }

  all(): StoredLead[] {
    return [...this.leads.values()];
  }

  get size(): number {
    return this.leads.size;
  }

  findByEmail(email: string): StoredLead[] {
    return this.withEmails([email.trim().toLowerCase()]);
  }

  /** Leads whose lower-cased email is one of `keys`, by id (the order of `all()`). */
  withEmails(keys: Iterable<string>): StoredLead[] {
    const ids = new Set<number>();
    for (const key of keys) for (const id of this.emails.get(key) ?? []) ids.add(id);
    return [...ids].sort((a, b) => a - b).map((id) => this.leads.get(id)!);
  }

  private indexEmail(lead: StoredLead, add: boolean): void {
    const key = String(lead.values.email ?? "").toLowerCase();
    const ids = this.emails.get(key) ?? new Set<number>();
    if (add) ids.add(lead.id);
    else ids.delete(lead.id);
    if (ids.size > 0) this.emails.set(key, ids);
    else this.emails.delete(key);
  }

  /** Checks and converts input values; the first problem is the record's skip reason. */
  validate(
    input: Record<string, unknown>,
    lookupField?: string,
  ): { ok: true; values: Record<string, StoredValue> } | { ok: false; reason: Reason } {
    const values: Record<string, StoredValue> = {};
    const refuse = (code: string, message: string) => ({
      ok: false as const,
      reason: { code, message },
    });
    for (const [name, raw] of Object.entries(input)) {
      const f = this.fields.get(name);
      if (!f) return refuse("1006", `Field '${name}' not found`);
      if (name === lookupField && name === "id") continue;
      if (NOT_WRITABLE.has(name)) return refuse("1003", `Field '${name}' is not updateable`);
      const value = coerce(f, raw);
      if (!value.ok) return refuse("1003", value.message);
      values[name] = value.value;
    }
    return { ok: true, values };
  }

  create(values: Record<string, StoredValue>, source: ChangeSource, at = this.clock()): StoredLead {
    const lead: StoredLead = { id: this.nextId++, values: {}, createdAt: at, updatedAt: at };
    for (const [k, v] of Object.entries(values)) if (v !== null) lead.values[k] = v;
    lead.values.unsubscribed ??= false;
    lead.values.emailInvalid ??= false;
    lead.values.marketingSuspended ??= false;
    this.leads.set(lead.id, lead);
    this.indexEmail(lead, true);
    const name = [lead.values.firstName, lead.values.lastName].filter(Boolean).join(" ");
    this.activities.add({
      leadId: lead.id,
      activityDate: at,
      activityTypeId: 12,
      primaryAttributeValueId: lead.id,
      primaryAttributeValue: name || String(lead.values.email ?? lead.id),
      attributes: [
        { name: "Source Type", value: source === "api" ? "Web service API" : "New person" },
        { name: "Created Date", value: formatDatetime(at).slice(0, 10) },
      ],
    });
    if (source !== "seed")
      this.emit({ lead, kind: "created", changed: Object.keys(lead.values), at });
    return lead;
  }

  /** Applies the values; only real changes move updatedAt and log activities. */
  update(id: number, values: Record<string, StoredValue>, source: ChangeSource): string[] {
    const lead = this.leads.get(id);
    if (!lead) return [];
    const at = this.clock();
    const changed: string[] = [];
    this.indexEmail(lead, false);
    for (const [name, value] of Object.entries(values)) {
      const old = lead.values[name] ?? null;
      if (old === value) continue;
      if (value === null) delete lead.values[name];
      else lead.values[name] = value;
      changed.push(name);
      const f = this.fields.get(name)!;
      this.activities.add({
        leadId: id,
        activityDate: at,
        activityTypeId: 13,
        primaryAttributeValueId: f.id,
        primaryAttributeValue: f.displayName,
        attributes: [
          { name: "New Value", value },
          { name: "Old Value", value: old },
          { name: "Reason", value: SOURCE_LABEL[source] },
          { name: "Source", value: SOURCE_LABEL[source] },
        ],
      });
    }
    this.indexEmail(lead, true);
    if (changed.length > 0) {
      lead.updatedAt = at;
      this.emit({ lead, kind: "changed", changed, at });
    }
    return changed;
  }

  /**
   * Deletes the lead for good, as Delete Leads does: gone from reads by id and email, its
   * activity history removed (so no incremental read names it again), and one Delete Lead
   * activity (37) logged for Get Deleted Leads. No webhook: there is no campaign trigger
   * for a deleted person. Ids are never reused. False when there is no such lead.
   */
  delete(id: number, at = this.clock()): boolean {
    const lead = this.leads.get(id);
    if (!lead) return false;
    this.indexEmail(lead, false);
    this.leads.delete(id);
    this.activities.removeLead(id);
    const name = [lead.values.firstName, lead.values.lastName].filter(Boolean).join(" ");
    this.activities.add({
      leadId: id,
      activityDate: at,
      activityTypeId: DELETE_LEAD_TYPE,
      primaryAttributeValueId: id,
      primaryAttributeValue: name || String(lead.values.email ?? id),
      attributes: [],
    });
    return true;
  }

  /**
   * Merge Leads: the winner's blank fields are filled from the losers in the order given
   * (the first loser with a value wins; Adobe KB ka-28666), the losers' activity histories
   * become the winner's, the losers are gone from every read, and a Merge Leads activity
   * (32) is logged on the winner. Ids are never reused.
   */
  merge(winnerId: number, loserIds: number[], source: ChangeSource): void {
    const winner = this.leads.get(winnerId)!;
    const losers = loserIds.map((id) => this.leads.get(id)!);
    const filled: Record<string, StoredValue> = {};
    for (const loser of losers)
      for (const [name, value] of Object.entries(loser.values)) {
        const current = winner.values[name];
        if (value !== null && (current === undefined || current === null || current === ""))
          filled[name] ??= value;
      }
    const at = this.clock();
    for (const loser of losers) {
      this.indexEmail(loser, false);
      this.leads.delete(loser.id);
      this.activities.moveLead(loser.id, winnerId);
    }
    this.activities.add({
      leadId: winnerId,
      activityDate: at,
      activityTypeId: MERGE_LEADS_TYPE,
      primaryAttributeValueId: winnerId,
      primaryAttributeValue: String(winner.values.email ?? winnerId),
      attributes: [
        { name: "Merge IDs", value: [winnerId, ...loserIds].join(",") },
        { name: "Excluded Leads", value: null },
        { name: "Master Updated", value: Object.keys(filled).length > 0 },
        { name: "Merge Source", value: SOURCE_LABEL[source] },
        { name: "Merged in Sales", value: false },
      ],
    });
    if (Object.keys(filled).length > 0) this.update(winnerId, filled, source);
  }

  private emit(change: LeadChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The lead as the API shows it: id plus the requested fields, absent values as null. */
export function presentLead(lead: StoredLead, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: lead.id };
  for (const name of fields) {
    if (name === "id") continue;
    if (name === "createdAt") out.createdAt = formatDatetime(lead.createdAt);
    else if (name === "updatedAt") out.updatedAt = formatDatetime(lead.updatedAt);
    else out[name] = lead.values[name] ?? null;
  }
  return out;
}
