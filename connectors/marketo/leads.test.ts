import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WriteOp } from "../contract.ts";
import type { MarketoConnector } from "./index.ts";
import type { RunningMarketoSandbox } from "./sandbox/index.ts";
import { startTestInstance } from "./test-instance.ts";

let sandbox: RunningMarketoSandbox;
let connector: MarketoConnector;

beforeAll(async () => {
  ({ sandbox, connector } = await startTestInstance({
    fields: ["email", "firstName", "lastName", "company", "unsubscribed", "tsunaguScore"],
  }));
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

const restCalls = () => sandbox.requests().filter((r) => r.path.startsWith("/rest/"));

describe("write", () => {
  it("creates by email, updates by id and reports skipped records in input order", async () => {
    const existing = sandbox.createLead({ email: "kim@example.com", firstName: "Kim" });
    const ops: WriteOp[] = [
      { ref: "a", object: "lead", fields: { email: "new.person@example.com", firstName: "New" } },
      { ref: "b", object: "lead", externalId: String(existing.id), fields: { lastName: "Lee" } },
      { ref: "c", object: "lead", externalId: "999999", fields: { lastName: "Ghost" } },
      { ref: "d", object: "lead", fields: { email: "bad@example.com", shoeSize: 44 } },
      { ref: "e", object: "lead", fields: { email: "KIM@example.com", company: "Acme" } },
      { ref: "f", object: "lead", fields: { firstName: "No email" } },
      { ref: "g", object: "Contact", fields: { email: "x@example.com" } },
      { ref: "h", object: "lead", fields: { email: "score@example.com", tsunaguScore: "high" } },
    ];
    const results = await connector.write(ops);
    expect(results.map((r) => r.ref)).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
    expect(results[0]).toMatchObject({ ok: true, created: true, externalId: expect.any(String) });
    expect(results[1]).toEqual({
      ref: "b",
      ok: true,
      created: false,
      externalId: String(existing.id),
    });
    expect(results[2]).toMatchObject({
      ok: false,
      externalId: "999999",
      error: { code: "1004", message: "Lead not found", retryable: false },
    });
    expect(results[3]).toMatchObject({ ok: false, error: { code: "1006", retryable: false } });
    expect(results[4]).toMatchObject({ ok: true, created: false, externalId: String(existing.id) });
    expect(results[5]).toMatchObject({ ok: false, error: { code: "MISSING_EMAIL" } });
    expect(results[6]).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_OBJECT" } });
    expect(results[7]).toMatchObject({ ok: false, error: { code: "1003", retryable: false } });
    expect(sandbox.getLead(existing.id)).toMatchObject({ lastName: "Lee", company: "Acme" });
    // One createOrUpdate call for the creates, one updateOnly call for the updates.
    expect(restCalls().map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /rest/v1/leads.json",
      "POST /rest/v1/leads.json",
    ]);
  });

  it("splits into calls of 300 and keeps every result in place", async () => {
    const ops: WriteOp[] = Array.from({ length: 650 }, (_, i) => ({
      ref: `r${i}`,
      object: "lead",
      fields: { email: `bulk${i}@example.com`, ...(i === 400 ? { nope: 1 } : {}) },
    }));
    const results = await connector.write(ops);
    expect(restCalls()).toHaveLength(3);
    expect(results.map((r) => r.ref)).toEqual(ops.map((o) => o.ref));
    expect(results.filter((r) => !r.ok).map((r) => r.ref)).toEqual(["r400"]);
  });

  it("700 upserts are 3 calls of createOrUpdate, updating the leads whose emails exist", async () => {
    for (let i = 0; i < 100; i++) sandbox.createLead({ email: `up${i}@example.com` });
    sandbox.clearRequests();
    const results = await connector.write(
      Array.from({ length: 700 }, (_, i) => ({
        ref: `u${i}`,
        object: "lead",
        fields: { email: `UP${i}@example.com`, firstName: "U" },
      })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => !r.created)).toHaveLength(100);
    expect(restCalls().map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(3).fill("POST /rest/v1/leads.json"),
    );
  });

  it("reports a whole-call failure on every op, retryable for transient errors", async () => {
    sandbox.injectFault({ httpStatus: 503, times: 3 });
    const results = await connector.write([
      { ref: "x", object: "lead", fields: { email: "x1@example.com" } },
      { ref: "y", object: "lead", fields: { email: "y1@example.com" } },
    ]);
    expect(results).toEqual([
      {
        ref: "x",
        ok: false,
        error: { code: "HTTP_503", message: expect.any(String), retryable: true },
      },
      {
        ref: "y",
        ok: false,
        error: { code: "HTTP_503", message: expect.any(String), retryable: true },
      },
    ]);
  });
});

describe("reads", () => {
  it("fetchByIds returns present leads with updatedAt as modifiedAt, ignoring unknown ids", async () => {
    const lead = sandbox.createLead({
      email: "read@example.com",
      firstName: "Rea",
      tsunaguScore: 7,
    });
    const records = await connector.fetchByIds("lead", [String(lead.id), "424242", "not-an-id"]);
    expect(records).toEqual([
      {
        system: "marketo",
        object: "lead",
        externalId: String(lead.id),
        modifiedAt: Date.parse(String(lead.updatedAt)),
        fields: expect.objectContaining({
          id: lead.id,
          email: "read@example.com",
          firstName: "Rea",
          tsunaguScore: 7,
          unsubscribed: false,
          company: null,
        }),
      },
    ]);
  });

  it("findByEmails is case-insensitive, returns duplicates, and switches to POST _method=GET for long lists", async () => {
    const a = sandbox.createLead({ email: "Dana@Example.com" });
    const b = sandbox.createLead({ email: "dana@example.com" }, { allowDuplicate: true });
    const short = await connector.findByEmails(["DANA@example.COM"]);
    expect(short.map((r) => r.externalId).sort()).toEqual([String(a.id), String(b.id)].sort());
    sandbox.clearRequests();
    const emails = [
      ...Array.from({ length: 299 }, (_, i) => `a.rather.long.address.${i}@example.com`),
      "dana@example.com",
    ];
    const long = await connector.findByEmails(emails);
    expect(long).toHaveLength(2);
    expect(restCalls().map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /rest/v1/leads.json?_method=GET",
    ]);
  });

  it("a lookup of 500 emails is 2 calls, answered right after emails change", async () => {
    const leads = Array.from({ length: 400 }, (_, i) =>
      sandbox.createLead({ email: `find${i}@example.com` }),
    );
    sandbox.createLead({ email: "FIND0@example.com" }, { allowDuplicate: true });
    sandbox.updateLead(leads[1]!.id, { email: "moved@example.com" });
    sandbox.updateLead(leads[2]!.id, { email: null });
    sandbox.clearRequests();
    const emails = [
      ...Array.from({ length: 499 }, (_, i) => `Find${i}@Example.com`),
      "moved@example.com",
    ];
    const found = await connector.findByEmails(emails);
    expect(restCalls()).toHaveLength(2);
    const wanted = new Set(emails.map((e) => e.toLowerCase()));
    const expected = sandbox
      .listLeads()
      .filter((l) => wanted.has(String(l.email ?? "").toLowerCase()))
      .map((l) => String(l.id));
    expect(found.map((r) => r.externalId).sort()).toEqual(expected.sort());
    expect(found).toHaveLength(400);
    const [moved, old] = await connector.write([
      { ref: "m", object: "lead", fields: { email: "MOVED@example.com", firstName: "M" } },
      { ref: "o", object: "lead", fields: { email: "find1@example.com", firstName: "O" } },
    ]);
    expect(moved).toMatchObject({ ok: true, created: false, externalId: String(leads[1]!.id) });
    expect(old).toMatchObject({ ok: true, created: true });
  });

  it("rejects other objects", () => {
    expect(() => connector.fetchByIds("Contact", ["1"])).toThrow(/not supported/);
  });
});
