import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngagementPage } from "../contract.ts";
import { decodeEngagementCursor } from "./engagement.ts";
import { createHubspotConnector } from "./index.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./sandbox/index.ts";

let sandbox: RunningHubspotSandbox;

const connector = () =>
  createHubspotConnector({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    properties: ["email"],
    searchPerSecond: 50,
  });

async function collect(pages: AsyncIterable<EngagementPage>): Promise<EngagementPage[]> {
  const out: EngagementPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

let ann: string;
let bob: string;

beforeAll(async () => {
  sandbox = await startHubspotSandbox({ port: 0, searchPerSecond: 50 });
  ann = String(sandbox.createContact({ email: "ann@example.com" }).id);
  bob = String(sandbox.createContact({ email: "bob@example.com" }).id);
  for (let i = 0; i < 5; i++) {
    sandbox.createEngagement("meetings", i % 2 ? bob : ann, {
      hs_meeting_title: `Call ${i}`,
      hs_timestamp: String(Date.UTC(2026, 0, 1 + i)),
    });
  }
  sandbox.createEngagement("emails", ann, {
    hs_email_subject: "Welcome",
    hs_email_direction: "EMAIL",
    hs_email_status: "SENT",
    hs_timestamp: "2026-02-01T10:00:00.000Z",
  });
  sandbox.createEngagement("emails", bob, {
    hs_email_subject: "Hello",
    hs_email_direction: "EMAIL",
    hs_email_status: "BOUNCED",
  });
  sandbox.createEngagement("emails", bob, {
    hs_email_subject: "Re: Hello",
    hs_email_direction: "INCOMING_EMAIL",
  });
});
afterAll(() => sandbox.close());

describe("pullEngagement", () => {
  it("maps meetings and logged emails to events on their contacts", async () => {
    const events = (await collect(connector().pullEngagement(null))).flatMap((p) => p.events);
    expect(events.map((e) => e.type)).toEqual([
      "meeting",
      "meeting",
      "meeting",
      "meeting",
      "meeting",
      "email_delivered",
      "email_bounce",
    ]);
    const first = events[0]!;
    expect(first).toMatchObject({
      system: "hubspot",
      person: { object: "contact", externalId: ann },
      title: "Call 0",
      occurredAt: Date.UTC(2026, 0, 1),
    });
    expect(first.key).toMatch(new RegExp(`^hubspot:meeting:\\d+:${ann}$`));
    expect(events[5]).toMatchObject({ occurredAt: Date.parse("2026-02-01T10:00:00.000Z") });
    expect(events[6]!.person.externalId).toBe(bob);
  });

  it("reading twice yields the same keys; resuming from the last cursor yields no new events", async () => {
    const first = await collect(connector().pullEngagement(null, { pageSize: 2 }));
    const second = await collect(connector().pullEngagement(null, { pageSize: 3 }));
    const keys = (pages: EngagementPage[]) => pages.flatMap((p) => p.events.map((e) => e.key));
    expect(new Set(keys(first))).toEqual(new Set(keys(second)));
    expect(new Set(keys(first)).size).toBe(7);
    const cursor = first[first.length - 1]!.cursor;
    const again = await collect(connector().pullEngagement(cursor));
    // Re-reads at the cursor's millisecond are allowed, nothing new appears.
    for (const key of keys(again)) expect(keys(first)).toContain(key);
    expect(keys(again).length).toBeLessThanOrEqual(2);
  });

  it("resumes after a change: an updated meeting comes back with the same key", async () => {
    const pages = await collect(connector().pullEngagement(null));
    const cursor = pages[pages.length - 1]!.cursor;
    const all = pages.flatMap((p) => p.events);
    const meeting = all.find((e) => e.type === "meeting")!;
    sandbox.updateEngagement("meetings", String(meeting.detail.hubspotId), {
      hs_meeting_outcome: "COMPLETED",
    });
    const next = (await collect(connector().pullEngagement(cursor))).flatMap((p) => p.events);
    expect(next.map((e) => e.key)).toContain(meeting.key);
    expect(next.find((e) => e.key === meeting.key)?.detail.hs_meeting_outcome).toBe("COMPLETED");
  });

  it("rejects a cursor it did not write", () => {
    expect(() => decodeEngagementCursor("hubspot:lmd:v1:5")).toThrow(/engagement cursor/);
    expect(decodeEngagementCursor(null, 7)).toEqual({ meetings: 7, emails: 7 });
  });
});
