/**
 * Incremental lead reads. Marketo has no "modified since" lead query in REST, so changes are
 * found in the activity log: New Lead (12) and Change Data Value (13) name the leads that
 * changed, which are then read by id (300 a call). The cursor is the activity paging token
 * after the last page, so a resumed read starts right after what was read and never skips
 * (a lead changed again later shows up again, later).
 *
 * A null cursor without `since` must read every lead, which the activity log cannot promise
 * (many activity types are purged after 90 days). It scans lead ids in ranges of 300 until
 * `maxIdGap` ids past the highest lead found came back empty, then continues with the
 * activity log from the moment the scan started, so changes made during the scan are read too.
 */
import type { ChangePage, PullOptions, SourceRecord } from "../contract.ts";
import {
  type ActivityStart,
  activityPages,
  decodeActivityCursor,
  encodeActivityCursor,
} from "./activities.ts";
import type { MarketoClient } from "./client.ts";
import { byModifiedThenId, fieldList, MAX_BATCH, readLeads, toSourceRecord } from "./leads.ts";

export const LEAD_CHANGE_TYPES = [12, 13] as const;
const PREFIX = "mkl1:";
/** Marketo's clock and ours may disagree: the activity read after a scan starts this early. */
const SCAN_SKEW_MS = 5 * 60_000;

export interface ChangeReadOptions {
  fields: string[];
  /** Empty ids past the highest lead found before a full scan stops (default 10,000). */
  maxIdGap: number;
}

interface ScanState {
  nextId: number;
  maxFound: number;
  startedAt: number;
}

type Position = { scan: ScanState } | ActivityStart;

export function encodeChangeCursor(position: Position): string {
  if ("scan" in position) {
    const { nextId, maxFound, startedAt } = position.scan;
    return `${PREFIX}s:${nextId}:${maxFound}:${new Date(startedAt).toISOString()}`;
  }
  return encodeActivityCursor(PREFIX, position);
}

export function decodeChangeCursor(cursor: string): Position {
  const scan = /^mkl1:s:(\d+):(\d+):(.+)$/.exec(cursor);
  if (scan && !Number.isNaN(Date.parse(scan[3]!)))
    return {
      scan: { nextId: Number(scan[1]), maxFound: Number(scan[2]), startedAt: Date.parse(scan[3]!) },
    };
  const position = decodeActivityCursor(PREFIX, cursor);
  if (!position) throw new Error(`Invalid Marketo cursor: ${JSON.stringify(cursor.slice(0, 60))}`);
  return position;
}

async function leadsById(
  client: MarketoClient,
  fields: string[],
  ids: number[],
): Promise<SourceRecord[]> {
  if (ids.length === 0) return [];
  const leads = await readLeads(client, "id", ids.map(String), fieldList(fields));
  return leads.map(toSourceRecord).sort(byModifiedThenId);
}

async function* scanIds(
  client: MarketoClient,
  options: ChangeReadOptions,
  state: ScanState,
  pull: PullOptions,
): AsyncGenerator<ChangePage> {
  const size = Math.max(1, Math.min(MAX_BATCH, pull.pageSize ?? MAX_BATCH));
  while (state.nextId - 1 - state.maxFound < options.maxIdGap) {
    pull.signal?.throwIfAborted();
    const ids = Array.from({ length: size }, (_, i) => state.nextId + i);
    const records = await leadsById(client, options.fields, ids);
    for (const r of records) state.maxFound = Math.max(state.maxFound, Number(r.externalId));
    state.nextId += size;
    if (records.length > 0) yield { records, cursor: encodeChangeCursor({ scan: { ...state } }) };
  }
}

export async function* pullChanges(
  client: MarketoClient,
  options: ChangeReadOptions,
  cursor: string | null,
  pull: PullOptions = {},
): AsyncGenerator<ChangePage> {
  let position: Position = cursor
    ? decodeChangeCursor(cursor)
    : pull.since !== undefined
      ? { since: pull.since }
      : { scan: { nextId: 1, maxFound: 0, startedAt: Date.now() } };
  if ("scan" in position) {
    const state = { ...position.scan };
    yield* scanIds(client, options, state, pull);
    position = { since: state.startedAt - SCAN_SKEW_MS };
  }
  for await (const page of activityPages(client, position, LEAD_CHANGE_TYPES, {
    batchSize: pull.pageSize ?? MAX_BATCH,
    ...(pull.until !== undefined ? { until: pull.until } : {}),
    ...(pull.signal ? { signal: pull.signal } : {}),
  })) {
    const ids = [...new Set(page.activities.map((a) => a.leadId))];
    const records = await leadsById(client, options.fields, ids);
    // Empty pages are not yielded (a resumed read only repeats them), except the last one,
    // which carries the cursor for the next run.
    if (records.length > 0 || page.done)
      yield { records, cursor: encodeChangeCursor({ token: page.resume }) };
  }
}
