/**
 * The activity log: real activity type ids and attribute names, paging tokens that are a
 * base32-encoded position (real tokens are base32 of a datetime; treat them as opaque), and
 * the scan behaviour behind Marketo's best-known paging pitfall: each call examines a bounded
 * slice of the log and returns only the requested types from it, so a page can be short or
 * empty while `moreResult` is still true.
 */
import { randomUUID } from "node:crypto";
import { formatDatetime, type StoredValue } from "./fields.ts";

export interface ActivityTypeDef {
  id: number;
  name: string;
  description: string;
  primaryAttribute: { name: string; dataType: string };
  attributes: Array<{ name: string; dataType: string }>;
}

const attr = (name: string, dataType = "string") => ({ name, dataType });
const BOT = [attr("Is Bot Activity", "boolean"), attr("Bot Activity Pattern")];
const DEVICE = [
  attr("Device"),
  attr("Is Mobile Device", "boolean"),
  attr("Platform"),
  attr("User Agent"),
];
const RUN = [attr("Campaign Run ID", "integer"), attr("Choice Number", "integer"), attr("Step ID")];

/**
 * Delete Lead (37): logged when a lead is deleted, outliving the lead. Only Get Deleted
 * Leads returns it; Get Lead Activities never does (the lead and its history are gone).
 */
export const DELETE_LEAD_TYPE = 37;

/**
 * Merge Leads (32), logged on the winner. Attribute names as reported in describe answers
 * seen in the wild (*unconfirmed*: the docs list the type, not its attributes).
 */
export const MERGE_LEADS_TYPE = 32;

export const ACTIVITY_TYPES: readonly ActivityTypeDef[] = [
  {
    id: 1,
    name: "Visit Webpage",
    description: "User visits a web page",
    primaryAttribute: attr("Webpage ID", "integer"),
    attributes: [
      attr("Webpage URL"),
      attr("Query Parameters"),
      attr("Client IP Address"),
      attr("Referrer URL"),
      attr("User Agent"),
    ],
  },
  {
    id: 2,
    name: "Fill Out Form",
    description: "User fills out and submits form on web page",
    primaryAttribute: attr("Webform ID", "integer"),
    attributes: [
      attr("Webpage ID", "integer"),
      attr("Form Fields", "text"),
      attr("Query Parameters"),
      attr("Referrer URL"),
      attr("Client IP Address"),
    ],
  },
  {
    id: 6,
    name: "Send Email",
    description: "Send Marketo Email to a person",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: RUN,
  },
  {
    id: 7,
    name: "Email Delivered",
    description: "Marketo Email is delivered to a person",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: RUN,
  },
  {
    id: 8,
    name: "Email Bounced",
    description: "Marketo Email bounces",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: [...RUN, attr("Category"), attr("Details"), attr("Email"), attr("Subcategory")],
  },
  {
    id: 9,
    name: "Unsubscribe Email",
    description: "Person unsubscribes from Marketo Emails",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: [
      ...RUN,
      attr("Client IP Address"),
      attr("Form Fields", "text"),
      attr("Referrer URL"),
    ],
  },
  {
    id: 10,
    name: "Open Email",
    description: "User opens Marketo Email",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: [...RUN, ...DEVICE, ...BOT],
  },
  {
    id: 11,
    name: "Click Email",
    description: "User clicks on a link in a Marketo Email",
    primaryAttribute: attr("Mailing ID", "integer"),
    attributes: [...RUN, attr("Link"), ...DEVICE, ...BOT],
  },
  {
    id: 12,
    name: "New Lead",
    description: "New person",
    primaryAttribute: attr("Lead ID", "integer"),
    attributes: [attr("Source Type"), attr("Created Date", "date")],
  },
  {
    id: 13,
    name: "Change Data Value",
    description: "Changed attribute value for a person",
    primaryAttribute: attr("Attribute Name", "integer"),
    attributes: [attr("New Value"), attr("Old Value"), attr("Reason"), attr("Source")],
  },
  {
    id: MERGE_LEADS_TYPE,
    name: "Merge Leads",
    description: "Merge leads",
    primaryAttribute: attr("Lead ID", "integer"),
    attributes: [
      attr("Merge IDs"),
      attr("Excluded Leads"),
      attr("Master Updated", "boolean"),
      attr("Merge Source"),
      attr("Merged in Sales", "boolean"),
    ],
  },
  {
    id: DELETE_LEAD_TYPE,
    name: "Delete Lead",
    description: "Delete lead from Marketo",
    primaryAttribute: attr("Lead ID", "integer"),
    attributes: [],
  },
  {
    id: 46,
    name: "Interesting Moment",
    description: "Interesting moment",
    primaryAttribute: attr("Milestone"),
    attributes: [attr("Description"), attr("Source"), attr("Date", "datetime")],
  },
];

export const ACTIVITY_TYPE_IDS = new Set(ACTIVITY_TYPES.map((t) => t.id));

export interface StoredActivity {
  id: number;
  marketoGUID: string;
  leadId: number;
  /** Epoch ms; presented with whole seconds. */
  activityDate: number;
  activityTypeId: number;
  primaryAttributeValueId?: number;
  primaryAttributeValue?: string;
  campaignId?: number;
  attributes: Array<{ name: string; value: StoredValue }>;
}

/** A place in the log: activities strictly after (at, id) come next. */
export interface Position {
  at: number;
  id: number;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(text: string): string {
  let bits = "";
  for (const byte of new TextEncoder().encode(text)) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5)
    out += ALPHABET[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

function unbase32(token: string): string | undefined {
  let bits = "";
  for (const c of token) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return new TextDecoder().decode(new Uint8Array(bytes));
}

export function encodePosition(p: Position): string {
  return base32(`${new Date(p.at).toISOString()},${p.id}`);
}

export function decodePosition(token: string): Position | undefined {
  const text = unbase32(token);
  const m = text ? /^(\d{4}-\d\d-\d\dT[\d:.]+Z),(-?\d+)$/.exec(text) : null;
  if (!m) return undefined;
  const at = Date.parse(m[1]!);
  return Number.isNaN(at) ? undefined : { at, id: Number(m[2]) };
}

const after = (a: StoredActivity, p: Position) =>
  a.activityDate > p.at || (a.activityDate === p.at && a.id > p.id);

export interface ActivityPage {
  result: StoredActivity[];
  next: Position;
  moreResult: boolean;
}

export class ActivityLog {
  private readonly list: StoredActivity[] = [];
  private nextId = 1;

  add(input: Omit<StoredActivity, "id" | "marketoGUID">): StoredActivity {
    const activity: StoredActivity = { ...input, id: this.nextId++, marketoGUID: randomUUID() };
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.activityDate > activity.activityDate) i--;
    this.list.splice(i, 0, activity);
    return activity;
  }

  all(): StoredActivity[] {
    return [...this.list];
  }

  /** The lead's history becomes another's (a merged-away lead's goes to the winner). */
  moveLead(from: number, to: number): void {
    for (const activity of this.list) if (activity.leadId === from) activity.leadId = to;
  }

  /** Drops every activity of the lead (deleting a person deletes their history); returns how many. */
  removeLead(leadId: number): number {
    const before = this.list.length;
    for (let i = this.list.length - 1; i >= 0; i--)
      if (this.list[i]!.leadId === leadId) this.list.splice(i, 1);
    return before - this.list.length;
  }

  /**
   * Examines at most `scanSize` activities after `from` and returns the wanted ones among
   * them (at most `batchSize`). `moreResult` says whether the log goes on, whatever type.
   */
  page(
    from: Position,
    wanted: { typeIds: Set<number>; leadIds?: Set<number> },
    batchSize: number,
    scanSize: number,
  ): ActivityPage {
    let i = this.list.findIndex((a) => after(a, from));
    if (i < 0) return { result: [], next: from, moreResult: false };
    const result: StoredActivity[] = [];
    let next = from;
    for (let scanned = 0; i < this.list.length && scanned < scanSize; i++, scanned++) {
      const a = this.list[i]!;
      next = { at: a.activityDate, id: a.id };
      if (wanted.typeIds.has(a.activityTypeId) && (!wanted.leadIds || wanted.leadIds.has(a.leadId)))
        result.push(a);
      if (result.length >= batchSize) {
        i++;
        break;
      }
    }
    return { result, next, moreResult: i < this.list.length };
  }
}

export function presentActivity(a: StoredActivity): Record<string, unknown> {
  return {
    id: a.id,
    marketoGUID: a.marketoGUID,
    leadId: a.leadId,
    activityDate: formatDatetime(a.activityDate),
    activityTypeId: a.activityTypeId,
    ...(a.campaignId !== undefined ? { campaignId: a.campaignId } : {}),
    ...(a.primaryAttributeValueId !== undefined
      ? { primaryAttributeValueId: a.primaryAttributeValueId }
      : {}),
    ...(a.primaryAttributeValue !== undefined
      ? { primaryAttributeValue: a.primaryAttributeValue }
      : {}),
    attributes: a.attributes.map((x) => ({ name: x.name, value: x.value })),
  };
}
