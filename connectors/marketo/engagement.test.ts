import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngagementEvent } from "../contract.ts";
import { MarketoActivity } from "./api-types.ts";
import { toEngagementEvent } from "./engagement.ts";
import type { MarketoConnector } from "./index.ts";
import type { RunningMarketoSandbox } from "./sandbox/index.ts";
import { startTestInstance } from "./test-instance.ts";

let sandbox: RunningMarketoSandbox;
let connector: MarketoConnector;
let since: number;

beforeAll(async () => {
  ({ sandbox, connector } = await startTestInstance({}, { activityScanSize: 4 }));
  since = Date.now() - 5000;
});
afterAll(() => sandbox.close());

async function pullAll(cursor: string | null) {
  const events: EngagementEvent[] = [];
  let last = cursor;
  for await (const page of connector.pullEngagement(cursor, cursor ? {} : { since })) {
    events.push(...page.events);
    last = page.cursor;
  }
  return { events, cursor: last };
}

describe("pullEngagement", () => {
  it("maps Marketo activities to engagement types with stable keys and the lead as person", async () => {
    const lead = sandbox.createLead({ email: "e@example.com" });
    const kinds = [
      "email_delivered",
      "email_bounced",
      "open_email",
      "click_email",
      "fill_out_form",
      "visit_webpage",
      "interesting_moment",
      "send_email",
      "unsubscribe_email",
    ] as const;
    const added = kinds.map((type) => sandbox.addActivity({ leadId: lead.id, type }));
    sandbox.addActivity({
      leadId: lead.id,
      type: "click_email",
      attributes: { "Is Bot Activity": true },
    });
    const first = await pullAll(null);
    expect(first.events.map((e) => e.type)).toEqual([
      "email_delivered",
      "email_bounce",
      "email_open",
      "email_click",
      "form_submit",
      "page_view",
      "campaign_response",
    ]);
    const click = first.events[3]!;
    expect(click).toMatchObject({
      key: `marketo:activity:${added[3]!.marketoGUID}`,
      system: "marketo",
      person: { object: "lead", externalId: String(lead.id) },
      occurredAt: Date.parse(String(added[3]!.activityDate)),
      title: "Newsletter - March.Email",
      detail: {
        activityTypeId: 11,
        activityType: "Click Email",
        Link: "https://www.example.com/pricing",
        "Is Bot Activity": false,
      },
    });
    const again = await pullAll(null);
    expect(again.events.map((e) => e.key)).toEqual(first.events.map((e) => e.key));
    const empty = await pullAll(first.cursor);
    expect(empty.events).toEqual([]);
    sandbox.addActivity({ leadId: lead.id, type: "open_email" });
    const next = await pullAll(empty.cursor);
    expect(next.events.map((e) => e.type)).toEqual(["email_open"]);
  });

  it("keeps bot activity only when asked", () => {
    const activity = MarketoActivity.parse({
      id: 5,
      leadId: 9,
      activityDate: "2026-05-01T12:00:00Z",
      activityTypeId: 10,
      attributes: [{ name: "Is Bot Activity", value: true }],
    });
    expect(toEngagementEvent(activity)).toBeUndefined();
    expect(toEngagementEvent(activity, { includeBotActivity: true })).toMatchObject({
      key: "marketo:activity:5",
      type: "email_open",
    });
  });
});
