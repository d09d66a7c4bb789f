import type {
  ActivityWrite,
  EngagementEvent,
  EngagementPage,
  EngagementType,
  PullOptions,
  SourceFields,
  WriteResult,
} from "../contract.ts";
import type { SalesforceRecord } from "./api-types.ts";
import type { SalesforceClient } from "./client.ts";
import { parseSalesforceDatetime, soqlDatetime, toSourceRecord } from "./contacts.ts";
import { failure, queryIn, queryPages, saveAll } from "./records.ts";

export interface SalesforceActivityOptions {
  /** Subject of Tasks the hub writes when an ActivityWrite has none (default "tsunagu"). */
  taskSubject?: string;
  /**
   * Text field on Task, External ID + Unique, that holds ActivityWrite.key (default
   * "Tsunagu_Key__c"). The org admin must create it; it marks the hub's own Tasks.
   */
  keyField?: string;
}

type Source = "Task" | "Event" | "CampaignMember";
const SOURCES: readonly Source[] = ["Task", "Event", "CampaignMember"];
const CURSOR_PREFIX = "sfe1:";

/** One SystemModstamp per source, e.g. `sfe1:2024-01-01T00:00:00.000Z,,` (empty: from the start). */
export function encodeEngagementCursor(stamps: Record<Source, number | undefined>): string {
  return (
    CURSOR_PREFIX +
    SOURCES.map((s) => (stamps[s] === undefined ? "" : new Date(stamps[s]!).toISOString())).join(
      ",",
    )
  );
}

export function decodeEngagementCursor(cursor: string): Record<Source, number | undefined> {
  const parts = cursor.startsWith(CURSOR_PREFIX)
    ? cursor.slice(CURSOR_PREFIX.length).split(",")
    : [];
  const stamps = parts.map((p) => (p === "" ? undefined : Date.parse(p)));
  if (parts.length !== SOURCES.length || stamps.some((s) => s !== undefined && Number.isNaN(s)))
    throw new Error(`Invalid Salesforce engagement cursor: ${JSON.stringify(cursor.slice(0, 80))}`);
  return { Task: stamps[0], Event: stamps[1], CampaignMember: stamps[2] };
}

const personObject = (id: string) => (id.startsWith("00Q") ? "Lead" : "Contact");
const dateMs = (value: unknown) =>
  typeof value === "string" ? Date.parse(`${value.slice(0, 10)}T00:00:00Z`) || 0 : 0;

function selectFor(source: Source, keyField: string): string[] {
  switch (source) {
    case "Task":
      return [
        "Id",
        "WhoId",
        "Subject",
        "Description",
        "ActivityDate",
        "Status",
        "TaskSubtype",
        "Type",
        "CompletedDateTime",
        "CreatedDate",
        "SystemModstamp",
        keyField,
      ];
    case "Event":
      return [
        "Id",
        "WhoId",
        "Subject",
        "Description",
        "Location",
        "StartDateTime",
        "EndDateTime",
        "EventSubtype",
        "CreatedDate",
        "SystemModstamp",
      ];
    case "CampaignMember":
      return [
        "Id",
        "CampaignId",
        "LeadId",
        "ContactId",
        "Status",
        "HasResponded",
        "FirstRespondedDate",
        "CreatedDate",
        "SystemModstamp",
      ];
  }
}

const TASK_TYPES: Record<string, EngagementType> = {
  Call: "call",
  Email: "email_delivered",
  ListEmail: "email_delivered",
};

/** A raw Task/Event/CampaignMember as an EngagementEvent, or undefined when it has no person. */
export function toEngagementEvent(
  source: Source,
  record: SalesforceRecord,
  keyField: string,
): EngagementEvent | undefined {
  const fields = toSourceRecord(source, record).fields;
  const detail: SourceFields = { ...fields, object: source };
  if (source === "CampaignMember") {
    const who = (record.ContactId ?? record.LeadId) as string | null;
    if (!who || record.HasResponded !== true) return undefined;
    return {
      key: `salesforce:campaign_member:${record.Id}`,
      system: "salesforce",
      type: "campaign_response",
      person: { object: record.ContactId ? "Contact" : "Lead", externalId: who },
      occurredAt: dateMs(record.FirstRespondedDate) || parseSalesforceDatetime(record.CreatedDate),
      title: typeof record.Status === "string" ? record.Status : undefined,
      detail,
    };
  }
  const who = record.WhoId;
  if (typeof who !== "string") return undefined;
  const subject = typeof record.Subject === "string" ? record.Subject : undefined;
  if (source === "Event") {
    return {
      key: `salesforce:event:${record.Id}`,
      system: "salesforce",
      type: "meeting",
      person: { object: personObject(who), externalId: who },
      occurredAt:
        parseSalesforceDatetime(record.StartDateTime) ||
        parseSalesforceDatetime(record.CreatedDate),
      ...(subject ? { title: subject } : {}),
      detail,
    };
  }
  const key = record[keyField];
  delete detail[keyField];
  if (typeof key === "string" && key !== "") detail.tsunaguKey = key;
  return {
    key: `salesforce:task:${record.Id}`,
    system: "salesforce",
    type: TASK_TYPES[String(record.TaskSubtype)] ?? "task",
    person: { object: personObject(who), externalId: who },
    occurredAt:
      parseSalesforceDatetime(record.CompletedDateTime) ||
      dateMs(record.ActivityDate) ||
      parseSalesforceDatetime(record.CreatedDate),
    ...(subject ? { title: subject } : {}),
    detail,
  };
}

/**
 * Tasks, then Events, then campaign responses, each oldest first with `SystemModstamp >=`
 * its own stamp (ties re-read, never skipped; see the contacts pull). The cursor after a
 * page carries every source's stamp, so resuming anywhere is safe.
 */
export async function* pullEngagement(
  client: SalesforceClient,
  keyField: string,
  cursor: string | null,
  options: PullOptions = {},
): AsyncGenerator<EngagementPage> {
  const stamps = cursor
    ? decodeEngagementCursor(cursor)
    : { Task: options.since, Event: options.since, CampaignMember: options.since };
  const headers: Record<string, string> = options.pageSize
    ? { "Sforce-Query-Options": `batchSize=${Math.min(2000, Math.max(200, options.pageSize))}` }
    : {};
  for (const source of SOURCES) {
    const since = stamps[source];
    const where = [
      source === "CampaignMember" ? "HasResponded = true" : "WhoId != null",
      ...(since !== undefined ? [`SystemModstamp >= ${soqlDatetime(since)}`] : []),
      ...(options.until !== undefined ? [`SystemModstamp <= ${soqlDatetime(options.until)}`] : []),
    ];
    const soql = `SELECT ${selectFor(source, keyField).join(", ")} FROM ${source} WHERE ${where.join(" AND ")} ORDER BY SystemModstamp ASC, Id ASC`;
    for await (const page of queryPages(client, soql, {
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const last = page.records.at(-1);
      if (!last) continue;
      stamps[source] = parseSalesforceDatetime(last.SystemModstamp);
      const events = page.records.flatMap((r) => toEngagementEvent(source, r, keyField) ?? []);
      yield { events, cursor: encodeEngagementCursor(stamps) };
    }
  }
}

const MAX_SUBJECT = 255;
const MAX_DESCRIPTION = 32_000;

/**
 * Completed Tasks, one per key. Keys already in the org answer ok without a write (no
 * SystemModstamp churn, no Outbound noise); the rest are upserted on the key field, which is
 * idempotent, so a retry or a concurrent run can never create a second Task for one key.
 */
export async function writeActivities(
  client: SalesforceClient,
  options: Required<SalesforceActivityOptions>,
  ops: ActivityWrite[],
): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const pending = new Map<string, number[]>();
  ops.forEach((op, i) => {
    if (op.person.object !== "Lead" && op.person.object !== "Contact")
      results.set(i, {
        ref: op.ref,
        ok: false,
        error: failure(
          "UNSUPPORTED_OBJECT",
          `Tasks need a Lead or Contact, not ${op.person.object}`,
        ),
      });
    else if (!op.key)
      results.set(i, {
        ref: op.ref,
        ok: false,
        error: failure("MISSING_KEY", "ActivityWrite.key is empty"),
      });
    else pending.set(op.key, [...(pending.get(op.key) ?? []), i]);
  });
  const keys = [...pending.keys()];
  for (let start = 0; start < keys.length; start += 200) {
    const chunk = keys.slice(start, start + 200);
    const settle = (key: string, result: Omit<WriteResult, "ref">) => {
      for (const i of pending.get(key)!) results.set(i, { ref: ops[i]!.ref, ...result });
    };
    let existing: SalesforceRecord[];
    try {
      existing = await queryIn(client, "Task", ["Id", options.keyField], options.keyField, chunk);
    } catch (error) {
      for (const key of chunk)
        settle(key, { ok: false, error: failure("READ_FAILED", (error as Error).message, true) });
      continue;
    }
    const found = new Map(existing.map((r) => [String(r[options.keyField]).toLowerCase(), r.Id]));
    const missing = chunk.filter((key) => {
      const id = found.get(key.toLowerCase());
      if (id) settle(key, { ok: true, externalId: id, created: false });
      return !id;
    });
    const records = missing.map((key) => {
      const op = ops[pending.get(key)![0]!]!;
      return {
        [options.keyField]: key,
        WhoId: op.person.externalId,
        Subject: (op.subject || options.taskSubject).slice(0, MAX_SUBJECT),
        Description: op.description.slice(0, MAX_DESCRIPTION),
        ActivityDate: new Date(op.occurredAt).toISOString().slice(0, 10),
        Status: "Completed",
      };
    });
    // PATCH /composite/sobjects/Task/{keyField}: create or update by key, 200 per call.
    const saved = await saveAll(
      client,
      "Task",
      { kind: "upsert", extIdField: options.keyField },
      records,
    );
    missing.forEach((key, j) => {
      const s = saved[j]!;
      settle(
        key,
        s.ok ? { ok: true, externalId: s.id, created: s.created } : { ok: false, error: s.error },
      );
    });
  }
  return ops.map((_, i) => results.get(i)!);
}
