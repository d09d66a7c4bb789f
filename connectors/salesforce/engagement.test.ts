import type { Connection } from "jsforce";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActivityWrite, EngagementEvent } from "../contract.ts";
import { decodeEngagementCursor } from "./engagement.ts";
import type { SalesforceConnector } from "./index.ts";
import type { RunningSalesforceSandbox } from "./sandbox/index.ts";
import { startTestOrg } from "./test-org.ts";

let sandbox: RunningSalesforceSandbox;
let sf: SalesforceConnector;
let conn: Connection;
let leadId: string;
let contactId: string;

beforeAll(async () => {
  ({ sandbox, sf, conn } = await startTestOrg());
  leadId = sandbox.createRecord("Lead", { LastName: "Abe", Company: "Acme" }).Id as string;
  contactId = sandbox.createRecord("Contact", { LastName: "Ueda" }).Id as string;
  sandbox.createRecord("Task", {
    WhoId: leadId,
    Subject: "Call back",
    TaskSubtype: "Call",
    Status: "Completed",
  });
  sandbox.createRecord("Task", {
    WhoId: contactId,
    Subject: "Send deck",
    ActivityDate: "2025-02-03",
  });
  sandbox.createRecord("Task", { Subject: "No person" });
  sandbox.createRecord("Event", {
    WhoId: contactId,
    Subject: "Demo",
    StartDateTime: "2025-03-01T09:00:00.000Z",
    DurationInMinutes: 30,
  });
  const campaign = sandbox.createRecord("Campaign", { Name: "Webinar Q1" }).Id as string;
  sandbox.createRecord("CampaignMember", { CampaignId: campaign, LeadId: leadId, Status: "Sent" });
  sandbox.createRecord("CampaignMember", {
    CampaignId: campaign,
    ContactId: contactId,
    Status: "Responded",
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.clearRequests());

async function pullAll(cursor: string | null = null, pageSize?: number) {
  const events: EngagementEvent[] = [];
  let last = cursor;
  for await (const page of sf.pullEngagement(cursor, { pageSize })) {
    events.push(...page.events);
    last = page.cursor;
  }
  return { events, cursor: last };
}

const op = (key: string, over: Partial<ActivityWrite> = {}): ActivityWrite => ({
  ref: `ref-${key}`,
  key,
  person: { object: "Lead", externalId: leadId },
  subject: "Engagement summary",
  description: "Opened 3 emails, visited pricing",
  occurredAt: Date.parse("2025-04-05T06:07:08.000Z"),
  ...over,
});
const countTasks = async (where: string) =>
  (await conn.query(`SELECT COUNT() FROM Task WHERE ${where}`)).totalSize;

describe("pullEngagement", () => {
  it("reads Tasks, Events and campaign responses with stable keys and the person by WhoId", async () => {
    const { events } = await pullAll();
    const byTitle = Object.fromEntries(events.map((e) => [e.title, e]));
    expect(byTitle["Call back"]).toMatchObject({
      system: "salesforce",
      type: "call",
      person: { object: "Lead", externalId: leadId },
    });
    expect(byTitle["Call back"]!.key).toMatch(/^salesforce:task:00T/);
    expect(byTitle["Send deck"]).toMatchObject({
      type: "task",
      person: { object: "Contact", externalId: contactId },
      occurredAt: Date.parse("2025-02-03T00:00:00Z"),
    });
    expect(byTitle.Demo).toMatchObject({
      type: "meeting",
      key: expect.stringMatching(/^salesforce:event:00U/),
      occurredAt: Date.parse("2025-03-01T09:00:00.000Z"),
    });
    const responses = events.filter((e) => e.type === "campaign_response");
    expect(responses.map((e) => e.person)).toEqual([{ object: "Contact", externalId: contactId }]);
    expect(events.some((e) => e.title === "No person")).toBe(false);
  });

  it("reading twice gives the same keys; resuming from the cursor never skips a change", async () => {
    const first = await pullAll();
    const again = await pullAll();
    expect(again.events.map((e) => e.key)).toEqual(first.events.map((e) => e.key));
    const resumed = await pullAll(first.cursor);
    expect(resumed.events.length).toBeLessThanOrEqual(3);
    sandbox.createRecord("Task", { WhoId: leadId, Subject: "Later" });
    const later = await pullAll(first.cursor);
    expect(later.events.map((e) => e.title)).toContain("Later");
    expect(decodeEngagementCursor(later.cursor!).Task).toBeGreaterThan(0);
  });
});

describe("writeActivities", () => {
  it("creates each keyed Task once, however often the same keys are sent", async () => {
    const ops = [op("k-1"), op("k-2", { person: { object: "Contact", externalId: contactId } })];
    const first = await sf.writeActivities(ops);
    expect(first.map((r) => [r.ref, r.ok, r.created])).toEqual([
      ["ref-k-1", true, true],
      ["ref-k-2", true, true],
    ]);
    const second = await sf.writeActivities([...ops, op("k-1", { ref: "dup" })]);
    expect(second.map((r) => [r.ok, r.created, r.externalId])).toEqual([
      [true, false, first[0]!.externalId],
      [true, false, first[1]!.externalId],
      [true, false, first[0]!.externalId],
    ]);
    expect(await countTasks("Tsunagu_Key__c IN ('k-1', 'k-2')")).toBe(2);
    const task = sandbox.getRecord("Task", first[0]!.externalId!)!;
    expect(task).toMatchObject({
      WhoId: leadId,
      Status: "Completed",
      IsClosed: true,
      ActivityDate: "2025-04-05",
      Subject: "Engagement summary",
    });
  });

  it("hub-written Tasks come back from the pull marked with detail.tsunaguKey", async () => {
    await sf.writeActivities([op("k-mark")]);
    const { events } = await pullAll();
    const mine = events.filter((e) => e.detail.tsunaguKey === "k-mark");
    expect(mine).toHaveLength(1);
    expect(events.find((e) => e.title === "Call back")!.detail).not.toHaveProperty("tsunaguKey");
  });

  it("writes 250 Tasks in calls of 200 and re-sending them costs only the lookups", async () => {
    const ops = Array.from({ length: 250 }, (_, i) => op(`bulk-${i}`));
    expect((await sf.writeActivities(ops)).every((r) => r.ok && r.created)).toBe(true);
    const upserts = () =>
      sandbox
        .requests()
        .filter((r) => (r as { method: string }).method === "PATCH")
        .map((r) => (r as { path: string }).path);
    expect(upserts()).toEqual([
      "/services/data/v62.0/composite/sobjects/Task/Tsunagu_Key__c",
      "/services/data/v62.0/composite/sobjects/Task/Tsunagu_Key__c",
    ]);
    sandbox.clearRequests();
    expect((await sf.writeActivities(ops)).every((r) => r.ok && !r.created)).toBe(true);
    expect(upserts()).toEqual([]);
    expect(await countTasks("Tsunagu_Key__c LIKE 'bulk-%'")).toBe(250);
  });

  it("a person that does not exist fails on its own; other objects are refused", async () => {
    const gone = sandbox.createRecord("Lead", { LastName: "Gone", Company: "X" }).Id as string;
    await conn.sobject("Lead").destroy(gone);
    const results = await sf.writeActivities([
      op("k-gone", { person: { object: "Lead", externalId: gone } }),
      op("k-acct", { person: { object: "Account", externalId: "001000000000001AAA" } }),
      op("k-ok"),
    ]);
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([
      [false, "ENTITY_IS_DELETED"],
      [false, "UNSUPPORTED_OBJECT"],
      [true, undefined],
    ]);
  });
});
