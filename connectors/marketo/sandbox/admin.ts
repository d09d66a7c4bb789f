/**
 * What a Marketo user (or the instance itself) does outside the API: edit leads in the UI
 * (fires the webhook campaign like API changes do), log engagement activities, unsubscribe
 * through an email link, and the test switches (faults, token expiry, quota, latency).
 */
import type { ActivityTypeDef } from "./activities.ts";
import { ACTIVITY_TYPES, presentActivity } from "./activities.ts";
import type { StoredValue } from "./fields.ts";
import type { FaultSpec } from "./limits.ts";
import type { SandboxState } from "./state.ts";
import { presentLead, type StoredLead } from "./store.ts";

export type ActivityKind =
  | "visit_webpage"
  | "fill_out_form"
  | "send_email"
  | "email_delivered"
  | "email_bounced"
  | "unsubscribe_email"
  | "open_email"
  | "click_email"
  | "interesting_moment";

export const ACTIVITY_KIND_IDS: Record<ActivityKind, number> = {
  visit_webpage: 1,
  fill_out_form: 2,
  send_email: 6,
  email_delivered: 7,
  email_bounced: 8,
  unsubscribe_email: 9,
  open_email: 10,
  click_email: 11,
  interesting_moment: 46,
};

export interface AddActivityInput {
  leadId: number | string;
  /** A kind, or a raw activity type id. */
  type: ActivityKind | number;
  primaryAttributeValue?: string;
  primaryAttributeValueId?: number;
  /** Merged over the type's defaults, by attribute name ("Link", "Is Bot Activity", ...). */
  attributes?: Record<string, StoredValue>;
  /** Epoch ms (default now). A backdated activity is invisible to tokens already past it. */
  activityDate?: number;
  campaignId?: number;
}

/** A lead with every field it holds, plus createdAt/updatedAt. */
export type AdminLead = { id: number } & Record<string, unknown>;

export interface AdminOps {
  /** Like "New Person" in the UI: refuses an existing email unless allowDuplicate. */
  createLead(fields: Record<string, unknown>, options?: { allowDuplicate?: boolean }): AdminLead;
  updateLead(id: number | string, fields: Record<string, unknown>): AdminLead;
  getLead(id: number | string): AdminLead | undefined;
  listLeads(): AdminLead[];
  /** The person clicks an email's unsubscribe link: activity 9, then `unsubscribed` = true. */
  unsubscribeLead(id: number | string, mailing?: string): AdminLead;
  addActivity(input: AddActivityInput): Record<string, unknown>;
  /** Every issued token answers 602 "Access token expired" from now on. */
  expireTokens(): void;
  /** Every issued token answers 601 "Access token invalid" from now on. */
  invalidateTokens(): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Sets the daily quota (and optionally the calls already used today). */
  setDailyQuota(limit: number, used?: number): void;
  quotaUsage(): { used: number; limit: number };
  /** Delay added to every REST call (ms), to make concurrency observable. */
  setLatency(ms: number): void;
}

export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export function fullLead(lead: StoredLead): AdminLead {
  return presentLead(lead, ["createdAt", "updatedAt", ...Object.keys(lead.values)]) as AdminLead;
}

function phpSerialize(values: Record<string, string>): string {
  const entries = Object.entries(values);
  const s = (v: string) => `s:${Buffer.byteLength(v)}:"${v}";`;
  return `a:${entries.length}:{${entries.map(([k, v]) => s(k) + s(v)).join("")}}`;
}

function defaults(
  type: ActivityTypeDef,
  lead: StoredLead,
): Pick<AddActivityInput, "primaryAttributeValue" | "primaryAttributeValueId" | "attributes"> {
  const run = { "Campaign Run ID": 5001, "Choice Number": 0, "Step ID": "1" };
  const device = {
    Device: "Desktop",
    "Is Mobile Device": false,
    Platform: "Windows",
    "User Agent": "Mozilla/5.0",
    "Is Bot Activity": false,
    "Bot Activity Pattern": "N/A",
  };
  const mailing = {
    primaryAttributeValue: "Newsletter - March.Email",
    primaryAttributeValueId: 1101,
  };
  switch (type.id) {
    case 1:
      return {
        primaryAttributeValue: "www.example.com/pricing",
        primaryAttributeValueId: 3001,
        attributes: {
          "Webpage URL": "/pricing",
          "Query Parameters": "",
          "Client IP Address": "203.0.113.7",
          "Referrer URL": "",
          "User Agent": "Mozilla/5.0",
        },
      };
    case 2:
      return {
        primaryAttributeValue: "Contact Us.Form",
        primaryAttributeValueId: 2001,
        attributes: {
          "Webpage ID": 3002,
          "Form Fields": phpSerialize({ Email: String(lead.values.email ?? "") }),
          "Query Parameters": "",
          "Referrer URL": "",
          "Client IP Address": "203.0.113.7",
        },
      };
    case 8:
      return {
        ...mailing,
        attributes: {
          ...run,
          Category: "1",
          Details: "550 5.1.1 mailbox unavailable",
          Email: String(lead.values.email ?? ""),
          Subcategory: "1003",
        },
      };
    case 10:
      return { ...mailing, attributes: { ...run, ...device } };
    case 11:
      return {
        ...mailing,
        attributes: { ...run, Link: "https://www.example.com/pricing", ...device },
      };
    case 46:
      return {
        primaryAttributeValue: "Web",
        attributes: { Description: "Visited the pricing page", Source: "Web", Date: null },
      };
    default:
      return { ...mailing, attributes: run };
  }
}

export function adminOps(state: SandboxState): AdminOps {
  const leadOf = (id: number | string) => {
    const lead = state.store.get(Number(id));
    if (!lead) throw new AdminError(404, `Lead ${id} not found`);
    return lead;
  };
  const checked = (fields: Record<string, unknown>) => {
    const result = state.store.validate(fields);
    if (!result.ok) throw new AdminError(400, `${result.reason.code} ${result.reason.message}`);
    return result.values;
  };
  const ops: AdminOps = {
    createLead(fields, options = {}) {
      const values = checked(fields);
      if (
        !options.allowDuplicate &&
        typeof values.email === "string" &&
        state.store.findByEmail(values.email).length > 0
      )
        throw new AdminError(409, `A lead with email ${values.email} already exists`);
      return fullLead(state.store.create(values, "ui"));
    },
    updateLead(id, fields) {
      const lead = leadOf(id);
      state.store.update(lead.id, checked(fields), "ui");
      return fullLead(lead);
    },
    getLead(id) {
      const lead = state.store.get(Number(id));
      return lead ? fullLead(lead) : undefined;
    },
    listLeads: () => state.store.all().map((lead) => fullLead(lead)),
    unsubscribeLead(id, mailing) {
      const lead = leadOf(id);
      ops.addActivity({
        leadId: lead.id,
        type: "unsubscribe_email",
        ...(mailing ? { primaryAttributeValue: mailing } : {}),
      });
      state.store.update(
        lead.id,
        { unsubscribed: true, unsubscribedReason: "Unsubscribe link" },
        "ui",
      );
      return fullLead(lead);
    },
    addActivity(input) {
      const lead = leadOf(input.leadId);
      const typeId = typeof input.type === "number" ? input.type : ACTIVITY_KIND_IDS[input.type];
      const type = ACTIVITY_TYPES.find((t) => t.id === typeId);
      if (!type) throw new AdminError(400, `Unknown activity type ${String(input.type)}`);
      const base = defaults(type, lead);
      const at = input.activityDate ?? Date.now();
      const attributes = { ...base.attributes, ...input.attributes };
      if (type.id === 46 && attributes.Date === null) attributes.Date = new Date(at).toISOString();
      const primaryAttributeValue = input.primaryAttributeValue ?? base.primaryAttributeValue;
      const primaryAttributeValueId = input.primaryAttributeValueId ?? base.primaryAttributeValueId;
      const activity = state.activities.add({
        leadId: lead.id,
        activityDate: at,
        activityTypeId: type.id,
        ...(primaryAttributeValue !== undefined ? { primaryAttributeValue } : {}),
        ...(primaryAttributeValueId !== undefined ? { primaryAttributeValueId } : {}),
        ...(input.campaignId !== undefined ? { campaignId: input.campaignId } : {}),
        attributes: Object.entries(attributes).map(([name, value]) => ({
          name,
          value: value ?? null,
        })),
      });
      return presentActivity(activity);
    },
    expireTokens: () => state.tokens.expireAll(),
    invalidateTokens: () => state.tokens.invalidateAll(),
    injectFault: (fault) => state.faults.add(fault),
    clearFaults: () => state.faults.clear(),
    setDailyQuota(limit, used) {
      state.quota.limit = limit;
      if (used !== undefined) state.quota.used = used;
    },
    quotaUsage: () => state.quota.usage(),
    setLatency(ms) {
      state.latencyMs = ms;
    },
  };
  return ops;
}
