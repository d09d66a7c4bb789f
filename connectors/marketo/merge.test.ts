// biome-ignore-all lint/suspicious/noExplicitAny: tests read loosely typed JSON bodies
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MarketoConnector } from "./index.ts";
import type { RunningMarketoSandbox } from "./sandbox/index.ts";
import { startTestInstance } from "./test-instance.ts";

let sandbox: RunningMarketoSandbox;
let connector: MarketoConnector;

beforeAll(async () => {
  ({ sandbox, connector } = await startTestInstance());
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

const lead = (fields: Record<string, unknown>) =>
  String(sandbox.createLead({ lastName: "Mori", ...fields }, { allowDuplicate: true }).id);

async function rest(path: string) {
  const res = await fetch(`${sandbox.baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${sandbox.accessToken}` },
  });
  return (await res.json()) as any;
}

describe("Merge Leads (POST /rest/v1/leads/{id}/merge.json)", () => {
  it("keeps the winner's id, fills its blank fields from the losers in order, and the losers are gone", async () => {
    const winner = lead({ email: "mori.1@example.com" });
    const first = lead({ email: "mori.2@example.com", title: "CTO", phone: "+81 3 0000 0001" });
    const second = lead({ email: "mori.3@example.com", title: "CEO", company: "Mori KK" });
    const [result] = await connector.mergeRecords([
      { ref: "m", object: "lead", primaryId: winner, mergedIds: [first, second] },
    ]);
    expect(result).toEqual({ ref: "m", ok: true, externalId: winner });
    const calls = sandbox.requests().filter((r) => r.path.includes("/merge.json"));
    expect(calls.map((r) => r.path)).toEqual([
      `/rest/v1/leads/${winner}/merge.json?leadIds=${first}%2C${second}&mergeInCRM=false`,
    ]);
    const left = await connector.fetchByIds("lead", [winner, first, second]);
    expect(left.map((r) => r.externalId)).toEqual([winner]);
    expect(sandbox.getLead(winner)).toMatchObject({
      email: "mori.1@example.com",
      title: "CTO",
      phone: "+81 3 0000 0001",
      company: "Mori KK",
    });
  });

  it("logs a Merge Leads activity (32) on the winner, with the losers' history moved to it", async () => {
    const winner = lead({ email: "ono.1@example.com" });
    const loser = lead({ email: "ono.2@example.com" });
    await connector.mergeRecords([
      { ref: "m", object: "lead", primaryId: winner, mergedIds: [loser] },
    ]);
    const token = await (
      await fetch(
        `${sandbox.baseUrl}/rest/v1/activities/pagingtoken.json?sinceDatetime=${new Date(Date.now() - 60_000).toISOString()}`,
        { headers: { authorization: `Bearer ${sandbox.accessToken}` } },
      )
    ).json();
    const page = (await (
      await fetch(
        `${sandbox.baseUrl}/rest/v1/activities.json?nextPageToken=${(token as any).nextPageToken}&activityTypeIds=12,32&leadIds=${winner}`,
        { headers: { authorization: `Bearer ${sandbox.accessToken}` } },
      )
    ).json()) as any;
    const types = page.result.map((a: any) => a.activityTypeId);
    expect(types.filter((t: number) => t === 12)).toHaveLength(2);
    const merge = page.result.find((a: any) => a.activityTypeId === 32);
    expect(merge.attributes).toContainEqual({ name: "Merge IDs", value: `${winner},${loser}` });
  });

  it("a missing lead is 1004 and a lead merged with itself 1003 (HTTP 200, success:false); a loser already gone counts as merged", async () => {
    const winner = lead({ email: "solo@example.com" });
    expect(await rest(`/rest/v1/leads/${winner}/merge.json?leadIds=999999`)).toMatchObject({
      success: false,
      errors: [{ code: "1004" }],
    });
    expect(await rest(`/rest/v1/leads/${winner}/merge.json?leadIds=${winner}`)).toMatchObject({
      success: false,
      errors: [{ code: "1003" }],
    });
    sandbox.clearRequests();
    const results = await connector.mergeRecords([
      { ref: "gone", object: "lead", primaryId: winner, mergedIds: ["999999"] },
      { ref: "self", object: "lead", primaryId: winner, mergedIds: [winner] },
      { ref: "bad", object: "lead", primaryId: winner, mergedIds: ["x"] },
    ]);
    expect(results.map((r) => [r.ref, r.ok, r.error?.code, r.error?.retryable])).toEqual([
      ["gone", true, undefined, undefined],
      ["self", false, "1003", false],
      ["bad", false, "1003", false],
    ]);
    expect(sandbox.requests().filter((r) => r.path.includes("/merge.json"))).toHaveLength(2);
  });

  it("a merge whose answer was lost (retried after it went through) counts as done", async () => {
    const winner = lead({ email: "lost.1@example.com" });
    const loser = lead({ email: "lost.2@example.com" });
    // Merged already (an answer lost in transit, then asked again): the repeat answers 1004.
    await rest(`/rest/v1/leads/${winner}/merge.json?leadIds=${loser}`);
    const [result] = await connector.mergeRecords([
      { ref: "m", object: "lead", primaryId: winner, mergedIds: [loser] },
    ]);
    expect(result).toEqual({ ref: "m", ok: true, externalId: winner });
  });
});
