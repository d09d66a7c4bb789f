import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub } from "../helpers/hub.ts";

let t: TestHub;
let contactId: string;
beforeAll(async () => {
  t = await startTestHub({ people: 3 });
  await t.api("/v1/runs", { method: "POST" });
  await t.hub.engine.idle();
  await settle(t);
  contactId = (await t.api("/v1/contacts?limit=1")).body.results[0].id;
});
afterAll(() => t?.close());

const post = (json: unknown, id = contactId) => t.api(`/v1/contacts/${id}/consent`, { json });
const consentOf = async () =>
  (await t.api(`/v1/contacts/${contactId}`)).body.consent as {
    channel: string;
    purpose: string | null;
    state: string;
    trail: unknown[];
  }[];

describe("POST /v1/contacts/:id/consent", () => {
  it.each([
    [{ channel: "fax", state: "opted_out" }, "channel"],
    [{ channel: "email", purpose: "horoscopes", state: "opted_out" }, "purpose"],
    [{ channel: "phone", purpose: "newsletter", state: "opted_out" }, "purpose"],
    [{ channel: "email", purpose: "newsletter", state: "opted_in" }, "legalBasis"],
    [{ channel: "email", state: "opted_in", legalBasis: "BECAUSE" }, "legalBasis"],
    [{ channel: "email", state: "maybe" }, "state"],
    [{ channel: "email", state: "opted_out", occurredAt: "2999-01-01T00:00:00Z" }, "occurredAt"],
  ])("%j -> 400 naming %s, and nothing is recorded", async (json, field) => {
    const res = await post(json);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.field).toBe(field);
    expect(await consentOf()).toEqual([]);
  });

  it("404 for an unknown contact", async () => {
    expect((await post({ channel: "email", state: "opted_out" }, "nobody")).status).toBe(404);
  });

  it("records a call-centre opt-out with its evidence; a channel-wide opt-out covers every purpose", async () => {
    const optIn = await post({
      channel: "email",
      purpose: "newsletter",
      state: "opted_in",
      legalBasis: "CONSENT_WITH_NOTICE",
      occurredAt: "2026-01-01T00:00:00Z",
    });
    expect(optIn.status).toBe(201);
    const res = await post({
      channel: "email",
      state: "opted_out",
      evidence: { kind: "call_centre", ref: "ticket-4711", note: "asked by phone" },
    });
    expect(res.status).toBe(201);
    const consent = await consentOf();
    const all = consent.find((c) => c.channel === "email" && c.purpose === null);
    expect(all).toMatchObject({
      state: "opted_out",
      decidedBy: { source: "api", evidence: { kind: "call_centre", ref: "ticket-4711" } },
    });
    expect(consent.find((c) => c.purpose === "newsletter")).toMatchObject({ state: "opted_out" });
  });

  it("a repeated statement is stored once", async () => {
    const json = {
      channel: "phone",
      state: "opted_out",
      occurredAt: "2026-02-01T00:00:00Z",
      evidence: { kind: "paper_form", ref: "F-1" },
    };
    await post(json);
    await post(json);
    const phone = (await consentOf()).find((c) => c.channel === "phone");
    // The trail also holds what Salesforce showed when the opt-out was propagated there.
    expect(phone?.trail.filter((e) => (e as { source: string }).source === "api")).toHaveLength(1);
    expect(phone).toMatchObject({ state: "opted_out" });
  });
});
