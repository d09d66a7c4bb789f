import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngagementEvent, EngagementPage } from "../contract.ts";
import { decodeMarketingCursor } from "./engagement.ts";
import { createHubspotConnector } from "./index.ts";
import { type RunningHubspotSandbox, startHubspotSandbox } from "./sandbox/index.ts";

let sandbox: RunningHubspotSandbox;

const connector = () =>
  createHubspotConnector({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    properties: ["email"],
    searchPerSecond: 50,
    rateLimit: { requests: 5_000, perMs: 10_000, concurrency: 10 },
  });

async function collect(pages: AsyncIterable<EngagementPage>): Promise<EngagementPage[]> {
  const out: EngagementPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const eventsOf = (pages: EngagementPage[]) => pages.flatMap((p) => p.events);
const keysOf = (events: EngagementEvent[]) => events.map((e) => e.key);

let ann: string;
let bob: string;
let formGuid: string;
/** Keys every full read must return (events of addresses with a contact, read types). */
const expected = new Set<string>();
const dropped = new Set<string>();
/** Backdated, so every event is inside a window that ends at "now". */
let clock = Date.now() - 600_000;

function emailEvent(
  recipient: string,
  type: Parameters<RunningHubspotSandbox["addEmailEvent"]>[1],
  props: Record<string, unknown> = {},
  read = true,
): string {
  const event = sandbox.addEmailEvent(recipient, type, { created: clock++, ...props });
  const key = `hubspot:email_event:${String(event.id)}`;
  (read ? expected : dropped).add(key);
  return key;
}

beforeAll(async () => {
  sandbox = await startHubspotSandbox({
    port: 0,
    searchPerSecond: 50,
    rateLimit: { requests: 5_000, perMs: 10_000 },
  });
  ann = String(sandbox.createContact({ email: "ann@example.com" }).id);
  bob = String(sandbox.createContact({ email: "bob@example.com" }).id);
  emailEvent("ann@example.com", "SENT", { emailCampaignId: 42 }, false);
  emailEvent("ann@example.com", "DELIVERED", { emailCampaignId: 42 });
  emailEvent("ann@example.com", "OPEN", { emailCampaignId: 42 });
  emailEvent("ANN@example.com", "CLICK", { emailCampaignId: 42, url: "https://ex.com/offer" });
  emailEvent("bob@example.com", "BOUNCE", { emailCampaignId: 42, category: "HARD_BOUNCE" });
  emailEvent("nobody@example.com", "OPEN", { emailCampaignId: 42 }, false);
  formGuid = sandbox.createForm("Contact us").id;
  const a = sandbox.submitForm(
    formGuid,
    { email: "ann@example.com", firstname: "Ann" },
    "https://ex.com/contact",
  );
  expected.add(`hubspot:form:${formGuid}:${a.conversionId}`);
  const b = sandbox.submitForm(formGuid, { email: "BOB@example.com" });
  expected.add(`hubspot:form:${formGuid}:${b.conversionId}`);
  const x = sandbox.submitForm(formGuid, { email: "stranger@example.com" });
  dropped.add(`hubspot:form:${formGuid}:${x.conversionId}`);
});
afterAll(() => sandbox.close());

describe("pullEngagement: marketing email events and form submissions", () => {
  it("turns deliveries, opens, clicks, bounces and form fills into events with stable keys", async () => {
    const events = eventsOf(await collect(connector().pullEngagement(null)));
    const byType = (type: string) => events.filter((e) => e.type === type);
    expect(byType("email_delivered")).toHaveLength(1);
    const open = byType("email_open");
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      system: "hubspot",
      person: { object: "contact", externalId: ann },
      title: "Email campaign 42",
      detail: { emailCampaignId: 42, hubspotEventType: "OPEN" },
    });
    expect(open[0]!.key).toMatch(/^hubspot:email_event:[\w-]+$/);
    const click = byType("email_click");
    expect(click[0]).toMatchObject({
      person: { externalId: ann },
      detail: { url: "https://ex.com/offer" },
    });
    expect(byType("email_bounce")[0]).toMatchObject({
      person: { externalId: bob },
      detail: { bounceCategory: "HARD_BOUNCE" },
    });
    const forms = byType("form_submit");
    expect(forms.map((e) => e.person.externalId).sort()).toEqual([ann, bob].sort());
    const annForm = forms.find((e) => e.person.externalId === ann)!;
    expect(annForm).toMatchObject({
      title: "Contact us",
      detail: { formGuid, pageUrl: "https://ex.com/contact" },
    });
    expect(annForm.key).toMatch(new RegExp(`^hubspot:form:${formGuid}:[\\w-]+$`));
    expect(new Set(keysOf(events))).toEqual(expected);
  });

  it("drops events and submissions whose address has no contact", async () => {
    const keys = keysOf(eventsOf(await collect(connector().pullEngagement(null))));
    for (const key of dropped) expect(keys).not.toContain(key);
    expect(keys.some((k) => k.includes("nobody"))).toBe(false);
  });

  it("reading twice gives the same keys; resuming gives only what is new", async () => {
    const first = await collect(connector().pullEngagement(null, { pageSize: 2 }));
    const second = await collect(connector().pullEngagement(null, { pageSize: 3 }));
    const a = keysOf(eventsOf(first));
    const b = keysOf(eventsOf(second));
    expect(new Set(a)).toEqual(new Set(b));
    expect(new Set(a).size).toBe(a.length);
    expect(new Set(a)).toEqual(expected);

    const cursor = first[first.length - 1]!.cursor;
    const again = keysOf(eventsOf(await collect(connector().pullEngagement(cursor))));
    // Only re-reads of the cursor's own millisecond per section: nothing new, nothing extra.
    for (const key of again) expect(a).toContain(key);
    expect(again.length).toBeLessThanOrEqual(2);

    const newOpen = emailEvent("bob@example.com", "OPEN", { created: Date.now() - 1_000 });
    const fill = sandbox.submitForm(formGuid, { email: "ann@example.com" });
    const fillKey = `hubspot:form:${formGuid}:${fill.conversionId}`;
    expected.add(fillKey);
    const next = keysOf(eventsOf(await collect(connector().pullEngagement(cursor))));
    expect(next).toContain(newOpen);
    expect(next).toContain(fillKey);
    for (const key of next) expect(expected).toContain(key);
  });

  it("pages through many short and empty email-event pages without losing one", async () => {
    // Interleave read and unread types so eventType-filtered pages come back short or empty.
    for (let i = 0; i < 40; i++) {
      const to = i % 3 === 0 ? "bob@example.com" : "ann@example.com";
      emailEvent(to, "SENT", {}, false);
      emailEvent(to, "PROCESSED", {}, false);
      emailEvent(to, i % 2 ? "OPEN" : "CLICK", { url: `https://ex.com/${i}` });
      if (i % 5 === 0) emailEvent("ghost@example.com", "OPEN", {}, false);
    }
    // The simulator itself: a short page is not the end, only hasMore:false is.
    const raw = await fetch(
      `${sandbox.baseUrl}/email/public/v1/events?eventType=OPEN&limit=4&startTimestamp=0`,
      { headers: { authorization: `Bearer ${sandbox.accessToken}` } },
    );
    const body = (await raw.json()) as { events: unknown[]; hasMore: boolean; offset: string };
    expect(body.hasMore).toBe(true);
    expect(body.events.length).toBeLessThan(4);

    sandbox.clearRequests();
    const pages = await collect(connector().pullEngagement(null, { pageSize: 4 }));
    const keys = keysOf(eventsOf(pages));
    expect(new Set(keys)).toEqual(expected);
    const eventCalls = sandbox
      .requests()
      .filter((r) => r.path.startsWith("/email/public/v1/events"));
    expect(eventCalls.length).toBeGreaterThan(50);
    expect(eventCalls.every((r) => r.status === 200)).toBe(true);
    // Contact lookups: one batch read per page at most, none for pages without recipients.
    const lookups = sandbox.requests().filter((r) => r.path.includes("/contacts/batch/read"));
    expect(lookups.length).toBeLessThanOrEqual(pages.length);

    // Resuming from a cursor taken mid-sweep (offset inside it) loses nothing either.
    const midSweep = pages
      .map((p, index) => ({ index, email: decodeMarketingCursor(p.cursor).email }))
      .filter((p) => p.email.sweep?.offset !== undefined);
    expect(midSweep.length).toBeGreaterThan(3);
    for (const { index } of midSweep.filter((_, i) => i % 7 === 3)) {
      const before = keysOf(eventsOf(pages.slice(0, index + 1)));
      const rest = keysOf(
        eventsOf(await collect(connector().pullEngagement(pages[index]!.cursor))),
      );
      expect(new Set([...before, ...rest])).toEqual(expected);
    }
  });

  it("rejects a malformed marketing section", () => {
    expect(() => decodeMarketingCursor("hubspot:eng:v1:meetings=1;emails=1;emailEvents=x")).toThrow(
      /engagement cursor/,
    );
    expect(decodeMarketingCursor("hubspot:eng:v1:meetings=1;emails=2").email).toEqual({ start: 0 });
  });
});
