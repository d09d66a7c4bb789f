// biome-ignore-all lint/suspicious/noExplicitAny: tests read loosely typed JSON bodies
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChangePage, EngagementPage } from "../contract.ts";
import type { MarketoConnector } from "./index.ts";
import type { RunningMarketoSandbox } from "./sandbox/index.ts";
import { startTestInstance } from "./test-instance.ts";

let sandbox: RunningMarketoSandbox;
let connector: MarketoConnector;
let since: number;

beforeAll(async () => {
  ({ sandbox, connector } = await startTestInstance());
  since = Date.now() - 5000;
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

const DELETE = "/rest/v1/leads/delete.json";
const deleteCalls = () =>
  sandbox.requests().filter((r) => r.path.split("?")[0] === DELETE && r.path.startsWith("/rest/"));
const lead = (email: string) => String(sandbox.createLead({ email, lastName: "Gone" }).id);

/** A REST call straight to the simulator, with a valid bearer token. */
async function rest(path: string, init: { method?: string; body?: string } = {}) {
  const res = await fetch(`${sandbox.baseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${sandbox.accessToken}`,
      "content-type": "application/json",
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Every activity of `leadId` an activity endpoint returns since the test began, all pages. */
async function activitiesOf(leadId: string, endpoint: string): Promise<any[]> {
  const at = new Date(since).toISOString();
  let token = (await rest(`/rest/v1/activities/pagingtoken.json?sinceDatetime=${at}`)).body
    .nextPageToken;
  const found: any[] = [];
  for (;;) {
    const sep = endpoint.includes("?") ? "&" : "?";
    const page = (await rest(`/rest/v1/${endpoint}${sep}nextPageToken=${token}`)).body;
    if (!page.success) throw new Error(JSON.stringify(page));
    found.push(...(page.result ?? []).filter((a: any) => String(a.leadId) === leadId));
    if (!page.moreResult) return found;
    token = page.nextPageToken;
  }
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe("erase (Delete Leads)", () => {
  it("deletes leads in one call; a lead already gone counts as erased, so a repeat is ok", async () => {
    const a = lead("erase.a@example.com");
    const b = lead("erase.b@example.com");
    const results = await connector.erase([
      { object: "lead", externalId: a },
      { object: "lead", externalId: "999999" },
      { object: "Contact", externalId: "5" },
      { object: "lead", externalId: "not-a-lead-id" },
      { object: "lead", externalId: "" },
      { object: "lead", externalId: b },
      { object: "lead", externalId: a },
    ]);
    expect(results).toEqual([
      { ref: a, ok: true, externalId: a },
      { ref: "999999", ok: true, externalId: "999999" },
      {
        ref: "5",
        ok: false,
        error: expect.objectContaining({ code: "UNSUPPORTED_OBJECT", retryable: false }),
      },
      { ref: "not-a-lead-id", ok: true, externalId: "not-a-lead-id" },
      { ref: "", ok: false, error: expect.objectContaining({ code: "ID_REQUIRED" }) },
      { ref: b, ok: true, externalId: b },
      { ref: a, ok: true, externalId: a },
    ]);
    expect(sandbox.getLead(a)).toBeUndefined();
    expect(sandbox.getLead(b)).toBeUndefined();
    // One call, each id once; non-integer ids and other objects are never sent.
    expect(deleteCalls().map((r) => [r.method, r.status, r.code])).toEqual([
      ["POST", 200, undefined],
    ]);

    sandbox.clearRequests();
    expect(await connector.erase([{ object: "lead", externalId: a }])).toEqual([
      { ref: a, ok: true, externalId: a },
    ]);
    expect(deleteCalls()).toHaveLength(1);
  });

  it("splits 650 leads into calls of 300 and keeps every result in place", async () => {
    const ids = Array.from({ length: 650 }, (_, i) => lead(`bulk.erase${i}@example.com`));
    sandbox.clearRequests();
    const refs = ids.map((externalId) => ({ object: "lead", externalId }));
    const results = await connector.erase(refs);
    expect(results.map((r) => r.ref)).toEqual(ids);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(deleteCalls()).toHaveLength(3);
    expect(ids.some((id) => sandbox.getLead(id))).toBe(false);
  });

  it("an erased lead is gone from reads by id and email, the changes feed and the activity log", async () => {
    const email = "erase.feed@example.com";
    const id = lead(email);
    sandbox.updateLead(id, { firstName: "Feed" });
    sandbox.addActivity({ leadId: id, type: "open_email" });
    const pullChanges = () => collect<ChangePage>(connector.pullChanges("lead", null, { since }));
    const pullEngagement = () => collect<EngagementPage>(connector.pullEngagement(null, { since }));
    const changedIds = (pages: ChangePage[]) =>
      pages.flatMap((p) => p.records.map((r) => r.externalId));
    const people = (pages: EngagementPage[]) =>
      pages.flatMap((p) => p.events.map((e) => e.person.externalId));
    expect(changedIds(await pullChanges())).toContain(id);
    expect(people(await pullEngagement())).toContain(id);

    expect(await connector.erase([{ object: "lead", externalId: id }])).toMatchObject([
      { ok: true },
    ]);
    expect(await connector.fetchByIds("lead", [id])).toEqual([]);
    expect(await connector.findByEmails([email])).toEqual([]);
    expect(changedIds(await pullChanges())).not.toContain(id);
    expect(people(await pullEngagement())).not.toContain(id);

    // Get Deleted Leads names it (activity 37); Get Lead Activities never does.
    expect(
      (await activitiesOf(id, "activities/deletedleads.json")).map((a) => a.activityTypeId),
    ).toEqual([37]);
    expect(await activitiesOf(id, "activities.json?activityTypeIds=1,10,12,13,37")).toEqual([]);
  });

  it("goes through the client's token renewal, retries and error handling", async () => {
    const a = lead("erase.token@example.com");
    sandbox.expireTokens();
    sandbox.injectFault({ code: "606", pathPrefix: DELETE });
    expect(await connector.erase([{ object: "lead", externalId: a }])).toEqual([
      { ref: a, ok: true, externalId: a },
    ]);
    expect(deleteCalls().map((r) => r.code ?? "ok")).toEqual(["606", "602", "ok"]);
    expect(sandbox.getLead(a)).toBeUndefined();

    // 603 (no Read-Write Lead permission) is final: reported per lead, not retried.
    const b = lead("erase.denied@example.com");
    sandbox.clearRequests();
    sandbox.injectFault({ code: "603", pathPrefix: DELETE });
    expect(await connector.erase([{ object: "lead", externalId: b }])).toEqual([
      {
        ref: b,
        ok: false,
        externalId: b,
        error: { code: "603", message: "Access denied", retryable: false },
      },
    ]);
    expect(deleteCalls()).toHaveLength(1);
    expect(sandbox.getLead(b)).toBeDefined();

    // The daily quota: retryable later, and nothing more is sent until the reset.
    sandbox.injectFault({ code: "607", pathPrefix: DELETE });
    const [quota] = await connector.erase([{ object: "lead", externalId: b }]);
    expect(quota).toMatchObject({ ok: false, error: { code: "607", retryable: true } });
    connector.client.clearQuotaBlock();
    expect(await connector.erase([{ object: "lead", externalId: b }])).toMatchObject([
      { ok: true },
    ]);
    expect(sandbox.getLead(b)).toBeUndefined();
  });
});

describe("the simulator's Delete Leads", () => {
  it("answers the envelope with a status per record, in input order", async () => {
    const id = Number(lead("sim.delete@example.com"));
    const res = await rest(DELETE, {
      method: "POST",
      body: JSON.stringify({ input: [{ id }, { id: 987654 }, { id: "x" }, { id }] }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f]{4}#[0-9a-f]+$/),
      success: true,
      result: [
        { id, status: "deleted" },
        { id: 987654, status: "skipped", reasons: [{ code: "1004", message: "Lead not found" }] },
        { status: "skipped", reasons: [{ code: "1003", message: "Invalid lead id" }] },
        { id, status: "skipped", reasons: [{ code: "1004", message: "Lead not found" }] },
      ],
    });
  });

  it("takes ?id= when the body is empty", async () => {
    const a = Number(lead("sim.query.a@example.com"));
    const b = Number(lead("sim.query.b@example.com"));
    const res = await rest(`${DELETE}?id=${a},${b}`, { method: "POST", body: "" });
    expect(res.body.result).toEqual([
      { id: a, status: "deleted" },
      { id: b, status: "deleted" },
    ]);
  });

  it("refuses more than 300 ids (1003), an empty input (1003) and bad JSON (609), deleting nothing", async () => {
    const ids = Array.from({ length: 301 }, (_, i) => i + 1);
    const before = sandbox.leadCount();
    const tooMany = await rest(DELETE, {
      method: "POST",
      body: JSON.stringify({ input: ids.map((id) => ({ id })) }),
    });
    expect(tooMany.status).toBe(200);
    expect(tooMany.body).toMatchObject({
      success: false,
      errors: [{ code: "1003", message: "Batch size exceeds the limit of 300" }],
    });
    expect(tooMany.body.result).toBeUndefined();
    expect(sandbox.leadCount()).toBe(before);
    const empty = await rest(DELETE, { method: "POST", body: JSON.stringify({ input: [] }) });
    expect(empty.body.errors).toEqual([{ code: "1003", message: "input cannot be blank" }]);
    const bad = await rest(DELETE, { method: "POST", body: "{nope" });
    expect(bad.body.errors).toEqual([{ code: "609", message: "Invalid JSON" }]);
  });
});
