/**
 * Engagement from the activity log: email delivered/bounced/opened/clicked, form fills, web
 * visits and interesting moments, keyed `marketo:activity:<marketoGUID>` (stable across
 * re-reads). Opens and clicks Marketo flags as bot activity (`Is Bot Activity`, e.g. link
 * scanners and privacy proxies) are dropped unless `includeBotActivity` is set.
 */
import type {
  EngagementEvent,
  EngagementPage,
  EngagementType,
  PullOptions,
  SourceFields,
} from "../contract.ts";
import {
  type ActivityStart,
  activityKey,
  activityPages,
  decodeActivityCursor,
  encodeActivityCursor,
} from "./activities.ts";
import type { MarketoActivity } from "./api-types.ts";
import type { MarketoClient } from "./client.ts";
import { LEAD_OBJECT, parseMarketoDatetime } from "./leads.ts";

/** Activity type id -> engagement type (ids are the same in every instance). */
export const ENGAGEMENT_ACTIVITY_TYPES: Readonly<Record<number, EngagementType>> = {
  1: "page_view",
  2: "form_submit",
  7: "email_delivered",
  8: "email_bounce",
  10: "email_open",
  11: "email_click",
  46: "campaign_response",
};

const ACTIVITY_NAMES: Readonly<Record<number, string>> = {
  1: "Visit Webpage",
  2: "Fill Out Form",
  7: "Email Delivered",
  8: "Email Bounced",
  10: "Open Email",
  11: "Click Email",
  46: "Interesting Moment",
};

export interface MarketoEngagementOptions {
  /** Keep opens/clicks flagged `Is Bot Activity` (default false). */
  includeBotActivity?: boolean;
  /** How far back a read with neither cursor nor `since` starts (default 30 days). */
  lookbackDays?: number;
}

const PREFIX = "mke1:";

const isBot = (a: MarketoActivity) =>
  a.attributes.some(
    (x) => x.name === "Is Bot Activity" && (x.value === true || x.value === "true"),
  );

function scalar(value: unknown): SourceFields[string] {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  return JSON.stringify(value);
}

/** A raw activity as an EngagementEvent, or undefined for types and bots we do not keep. */
export function toEngagementEvent(
  a: MarketoActivity,
  options: MarketoEngagementOptions = {},
): EngagementEvent | undefined {
  const type = ENGAGEMENT_ACTIVITY_TYPES[a.activityTypeId];
  if (!type) return undefined;
  if (!options.includeBotActivity && isBot(a)) return undefined;
  const detail: SourceFields = {
    activityTypeId: a.activityTypeId,
    activityType: ACTIVITY_NAMES[a.activityTypeId] ?? null,
    primaryAttributeValue: a.primaryAttributeValue ?? null,
    primaryAttributeValueId: scalar(a.primaryAttributeValueId),
    campaignId: a.campaignId ?? null,
  };
  for (const attribute of a.attributes) detail[attribute.name] = scalar(attribute.value);
  return {
    key: `marketo:activity:${activityKey(a)}`,
    system: "marketo",
    type,
    person: { object: LEAD_OBJECT, externalId: String(a.leadId) },
    occurredAt: parseMarketoDatetime(a.activityDate),
    ...(a.primaryAttributeValue ? { title: a.primaryAttributeValue } : {}),
    detail,
  };
}

export async function* pullEngagement(
  client: MarketoClient,
  options: MarketoEngagementOptions,
  cursor: string | null,
  pull: PullOptions = {},
): AsyncGenerator<EngagementPage> {
  let start: ActivityStart;
  if (cursor) {
    const decoded = decodeActivityCursor(PREFIX, cursor);
    if (!decoded)
      throw new Error(`Invalid Marketo engagement cursor: ${JSON.stringify(cursor.slice(0, 60))}`);
    start = decoded;
  } else {
    start = { since: pull.since ?? Date.now() - (options.lookbackDays ?? 30) * 86_400_000 };
  }
  const types = Object.keys(ENGAGEMENT_ACTIVITY_TYPES).map(Number);
  for await (const page of activityPages(client, start, types, {
    ...(pull.pageSize !== undefined ? { batchSize: pull.pageSize } : {}),
    ...(pull.until !== undefined ? { until: pull.until } : {}),
    ...(pull.signal ? { signal: pull.signal } : {}),
  })) {
    const events = page.activities.flatMap((a) => toEngagementEvent(a, options) ?? []);
    if (events.length > 0 || page.done)
      yield { events, cursor: encodeActivityCursor(PREFIX, { token: page.resume }) };
  }
}
