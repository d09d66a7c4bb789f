/**
 * Paging through the activity log: Get Paging Token (`sinceDatetime`) once, then Get Lead
 * Activities with `nextPageToken`, up to 10 type ids and 300 a page. Marketo scans its log in
 * slices, so a page can be short or even empty while `moreResult` is true: only
 * `moreResult: false` ends a read. The last page's `nextPageToken` is where the next read
 * starts. Activities are dated to the second.
 */
import { MarketoActivity } from "./api-types.ts";
import type { MarketoClient } from "./client.ts";
import { parseMarketoDatetime } from "./leads.ts";

/** Where a read starts: a token from an earlier page, or a datetime (epoch ms). */
export type ActivityStart = { token: string } | { since: number };

export interface ActivityPage {
  activities: MarketoActivity[];
  /** Resume here to read everything after this page (re-reading never skips). */
  resume: string;
  /** Last page of this read: the log is drained, or `until` was reached. */
  done: boolean;
}

/** Marketo takes whole seconds; flooring re-reads the rest of that second, never skips. */
export function sinceDatetime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** `<prefix>t:<token>` or `<prefix>d:<ISO datetime>`. */
export function encodeActivityCursor(prefix: string, start: ActivityStart): string {
  return "token" in start
    ? `${prefix}t:${start.token}`
    : `${prefix}d:${sinceDatetime(start.since)}`;
}

export function decodeActivityCursor(prefix: string, cursor: string): ActivityStart | undefined {
  if (!cursor.startsWith(prefix)) return undefined;
  const rest = cursor.slice(prefix.length);
  if (rest.startsWith("t:") && rest.length > 2) return { token: rest.slice(2) };
  if (rest.startsWith("d:")) {
    const since = Date.parse(rest.slice(2));
    if (!Number.isNaN(since)) return { since };
  }
  return undefined;
}

export async function pagingToken(client: MarketoClient, since: number): Promise<string> {
  // GET /rest/v1/activities/pagingtoken.json?sinceDatetime=
  const answer = await client.get("/rest/v1/activities/pagingtoken.json", {
    sinceDatetime: sinceDatetime(since),
  });
  if (!answer.nextPageToken) throw new Error("Marketo answered a paging token request without one");
  return answer.nextPageToken;
}

/**
 * Activities of the given types from `start`, one yield per API page. With `until`, the read
 * stops at the first activity dated after it; that page's resume point is the token that
 * produced it, so the next read starts over on that page rather than skipping its tail.
 */
export async function* activityPages(
  client: MarketoClient,
  start: ActivityStart,
  typeIds: readonly number[],
  options: { batchSize?: number; until?: number; signal?: AbortSignal } = {},
): AsyncGenerator<ActivityPage> {
  if (typeIds.length === 0 || typeIds.length > 10)
    throw new Error("Marketo reads 1 to 10 activity types per call");
  const batchSize = Math.max(1, Math.min(300, options.batchSize ?? 300));
  let token = "token" in start ? start.token : await pagingToken(client, start.since);
  for (;;) {
    options.signal?.throwIfAborted();
    // GET /rest/v1/activities.json?nextPageToken=&activityTypeIds=&batchSize=
    const page = await client.get("/rest/v1/activities.json", {
      nextPageToken: token,
      activityTypeIds: typeIds.join(","),
      batchSize,
    });
    const all = (page.result ?? []).map((a) => MarketoActivity.parse(a));
    const until = options.until;
    const within =
      until === undefined ? all : all.filter((a) => parseMarketoDatetime(a.activityDate) <= until);
    const reachedUntil = within.length < all.length;
    if (page.moreResult === true && !page.nextPageToken)
      throw new Error("Marketo answered moreResult without a nextPageToken");
    const next = page.nextPageToken ?? token;
    const done = reachedUntil || page.moreResult !== true;
    yield { activities: within, resume: reachedUntil ? token : next, done };
    if (done) return;
    token = next;
  }
}

/** The stable id of an activity: marketoGUID (ids may be absent on migrated instances). */
export function activityKey(a: MarketoActivity): string {
  return String(a.marketoGUID ?? a.id ?? `${a.leadId}:${a.activityTypeId}:${a.activityDate}`);
}
