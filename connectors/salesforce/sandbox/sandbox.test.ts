import { Connection } from "jsforce";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningSalesforceSandbox, startSalesforceSandbox } from "./index.ts";
import { parseSoql, runSoql } from "./soql.ts";
import { OrgStore } from "./store.ts";

let sandbox: RunningSalesforceSandbox;
let conn: Connection;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${sandbox.baseUrl}/services/data/v62.0${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${sandbox.accessToken}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({
    port: 0,
    seed: Array.from({ length: 2500 }, (_, i) => ({
      type: "Lead" as const,
      fields: {
        LastName: `Seed${i}`,
        Company: "Acme",
        Email: `seed${i}@example.com`,
        NumberOfEmployees: i,
      },
    })),
  });
  conn = new Connection({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    version: "62.0",
  });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearRequests();
  sandbox.clearFaults();
});

describe("SOQL subset", () => {
  const store = new OrgStore();
  for (const [first, last, email, employees] of [
    ["Ann", "O'Brien", "ANN@Example.com", 10],
    ["Bob", "Smith", "bob@example.com", 50],
    [null, "Zed", null, null],
  ] as const) {
    store.create("Lead", {
      FirstName: first,
      LastName: last,
      Company: "Acme",
      Email: email,
      NumberOfEmployees: employees,
    });
  }
  const names = (soql: string) =>
    runSoql(parseSoql(soql), store.all("Lead")).map((r) => r.LastName);

  it("compares strings case-insensitively and handles escaped quotes", () => {
    expect(names("SELECT Id FROM Lead WHERE Email = 'ann@example.COM'")).toEqual(["O'Brien"]);
    expect(names("SELECT Id FROM Lead WHERE LastName = 'O\\'Brien'")).toEqual(["O'Brien"]);
    expect(names("SELECT Id FROM Lead WHERE Email LIKE '%@EXAMPLE.com'")).toEqual([
      "O'Brien",
      "Smith",
    ]);
  });

  it("supports IN, NOT IN, null, numbers, NOT, parentheses, ORDER BY and LIMIT", () => {
    expect(names("SELECT Id FROM Lead WHERE Email IN ('bob@example.com', 'nobody@x.io')")).toEqual([
      "Smith",
    ]);
    expect(
      names("SELECT Id FROM Lead WHERE Email NOT IN ('bob@example.com') ORDER BY LastName"),
    ).toEqual(["O'Brien", "Zed"]);
    expect(names("SELECT Id FROM Lead WHERE Email = null")).toEqual(["Zed"]);
    expect(
      names(
        "SELECT Id FROM Lead WHERE NumberOfEmployees >= 20 OR (Email = null AND NOT LastName = 'x')",
      ),
    ).toEqual(["Smith", "Zed"]);
    expect(names("SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC LIMIT 2")).toEqual([
      "Smith",
      "O'Brien",
    ]);
    expect(names("SELECT Id FROM Lead ORDER BY FirstName ASC")).toEqual([
      "Zed",
      "O'Brien",
      "Smith",
    ]);
  });

  it("takes unquoted datetime literals with or without milliseconds", () => {
    expect(names("SELECT Id FROM Lead WHERE SystemModstamp >= 2000-01-01T00:00:00Z")).toHaveLength(
      3,
    );
    expect(
      names("SELECT Id FROM Lead WHERE SystemModstamp < 2000-01-01T00:00:00.000Z"),
    ).toHaveLength(0);
  });

  it("rejects malformed queries, quoted datetimes and AND/OR mixed without parentheses", () => {
    for (const bad of [
      "SELECT FROM Lead",
      "SELECT Id FROM Lead WHERE",
      "SELECT Id FROM Lead WHERE SystemModstamp > '2020-01-01T00:00:00Z'",
      "SELECT Id FROM Lead WHERE LastName = 'a' AND Email = 'b' OR Email = 'c'",
      "SELECT Id FROM Lead WHERE LastName = 'unterminated",
    ]) {
      expect(() => parseSoql(bad), bad).toThrow(
        expect.objectContaining({ errorCode: "MALFORMED_QUERY" }),
      );
    }
    expect(() => parseSoql("SELECT Nope__c FROM Lead")).toThrow(
      expect.objectContaining({ errorCode: "INVALID_FIELD" }),
    );
  });
});

describe("REST API over HTTP with jsforce", () => {
  it("pages a query with nextRecordsUrl and queryMore, honouring batchSize", async () => {
    const first = await conn.query("SELECT Id FROM Lead WHERE LastName LIKE 'Seed%'");
    expect(first).toMatchObject({ totalSize: 2500, done: false });
    expect(first.records).toHaveLength(2000);
    const second = await conn.queryMore(first.nextRecordsUrl!);
    expect(second).toMatchObject({ done: true });
    expect(second.records).toHaveLength(500);
    const ids = new Set([...first.records, ...second.records].map((r) => r.Id));
    expect(ids.size).toBe(2500);

    const small = await api(`/query?q=${encodeURIComponent("SELECT Id FROM Lead")}`, {
      headers: { "Sforce-Query-Options": "batchSize=500" },
    });
    const body = (await small.json()) as { records: unknown[]; nextRecordsUrl: string };
    expect(body.records).toHaveLength(500);
    expect(body.nextRecordsUrl).toMatch(
      /^\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]{15}-500$/,
    );
    expect(small.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/100000$/);
  });

  it("answers bad SOQL with 400 MALFORMED_QUERY and unknown fields with INVALID_FIELD", async () => {
    const bad = await api(`/query?q=${encodeURIComponent("SELEC Id FROM Lead")}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([expect.objectContaining({ errorCode: "MALFORMED_QUERY" })]);
    await expect(conn.query("SELECT Id, Shoe_Size__c FROM Contact")).rejects.toMatchObject({
      errorCode: "INVALID_FIELD",
    });
  });

  it("answers a URI past 16,384 bytes with 414, and URI plus headers past it with 431", async () => {
    const emails = (n: number) =>
      Array.from({ length: n }, (_, i) => `'seed${i}@example.com'`).join(",");
    const path = (n: number) =>
      `/query?q=${encodeURIComponent(`SELECT Id FROM Lead WHERE Email IN (${emails(n)})`)}`;
    // 15,867 characters once the client escapes the quotes; 560 values make 16,767.
    const fits = await api(path(530));
    expect(fits.status).toBe(200);
    expect(((await fits.json()) as { totalSize: number }).totalSize).toBe(530);
    expect((await api(path(560))).status).toBe(414);
    const crowded = await api(path(500), { headers: { "x-padding": "x".repeat(2000) } });
    expect(crowded.status).toBe(431);
  });

  it("rejects a wrong bearer token with 401 INVALID_SESSION_ID", async () => {
    const res = await api("/query?q=SELECT+Id+FROM+Lead", {
      headers: { authorization: "Bearer nope" },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([
      { message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" },
    ]);
  });

  it("creates through collections with per-record results and REQUIRED_FIELD_MISSING", async () => {
    const results = await conn
      .sobject("Lead")
      .create(
        [
          { LastName: "Ok", Company: "Acme" },
          { LastName: "NoCompany" },
          { Company: "NoName", Email: "bad@" },
        ],
        { allOrNone: false },
      );
    expect(results[0]).toMatchObject({ success: true, errors: [] });
    expect(results[0]!.id).toMatch(/^00Q[0-9A-Za-z]{15}$/);
    expect(results[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: "REQUIRED_FIELD_MISSING", fields: ["Company"] }],
    });
    // jsforce types errors as {errorCode}; the wire (and Salesforce) says statusCode.
    expect(
      results[2]!.errors.map((e) => (e as unknown as { statusCode: string }).statusCode),
    ).toEqual(["REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS"]);
    const log = sandbox.requests();
    expect(log).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/services/data/v62.0/composite/sobjects",
        status: 200,
      }),
    ]);
  });

  it("rolls everything back with allOrNone", async () => {
    const before = (await conn.query("SELECT COUNT() FROM Contact")).totalSize;
    const results = await conn
      .sobject("Contact")
      .create([{ LastName: "A" }, { FirstName: "NoLast" }], { allOrNone: true });
    expect(results[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK" }],
    });
    expect(results[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: "REQUIRED_FIELD_MISSING" }],
    });
    expect((await conn.query("SELECT COUNT() FROM Contact")).totalSize).toBe(before);
  });

  it("rejects a 201-record collection with 400 EXCEEDED_ID_LIMIT and writes nothing", async () => {
    const before = (await conn.query("SELECT COUNT() FROM Contact")).totalSize;
    const records = Array.from({ length: 201 }, (_, i) => ({ LastName: `Bulk${i}` }));
    await expect(conn.sobject("Contact").create(records)).rejects.toMatchObject({
      errorCode: "EXCEEDED_ID_LIMIT",
    });
    expect((await conn.query("SELECT COUNT() FROM Contact")).totalSize).toBe(before);
    const ok = await conn.sobject("Contact").create(records.slice(0, 200));
    expect(ok.filter((r) => r.success)).toHaveLength(200);
  });

  it("updates, retrieves with nulls for missing ids, deletes, and 404s afterwards", async () => {
    const [created] = await conn
      .sobject("Contact")
      .create([{ LastName: "Life", Email: "life@example.com" }]);
    const id = created!.id!;
    const before = await conn.sobject("Contact").retrieve(id);
    const updated = await conn.sobject("Contact").update([
      { Id: id, Title: "CTO" },
      { Id: "0035g000009zzzzAAA", Title: "x" },
    ]);
    expect(updated[0]).toMatchObject({ id, success: true });
    expect(updated[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: "INVALID_CROSS_REFERENCE_KEY" }],
    });
    const got = await conn
      .sobject("Contact")
      .retrieve([id, "0035g000009zzzzAAA"], { fields: ["Id", "Title", "SystemModstamp"] });
    expect(got[0]).toMatchObject({ Id: id, Title: "CTO" });
    expect(got[1]).toBeNull();
    expect(Date.parse(String(got[0]!.SystemModstamp).replace("+0000", "Z"))).toBeGreaterThan(
      Date.parse(String(before.SystemModstamp).replace("+0000", "Z")),
    );
    expect(await conn.sobject("Contact").destroy([id])).toEqual([
      { id, success: true, errors: [] },
    ]);
    await expect(conn.sobject("Contact").retrieve(id)).rejects.toMatchObject({
      errorCode: "NOT_FOUND",
    });
    const again = await conn.sobject("Contact").update([{ Id: id, Title: "x" }]);
    expect(again[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: "ENTITY_IS_DELETED" }],
    });
  });

  it("upserts on Id through composite/sobjects/{T}/Id with created flags", async () => {
    const [existing] = await conn.sobject("Contact").create([{ LastName: "Up" }]);
    const res = await api("/composite/sobjects/Contact/Id", {
      method: "PATCH",
      body: JSON.stringify({
        allOrNone: false,
        records: [
          { attributes: { type: "Contact" }, Id: existing!.id, Title: "Updated" },
          { attributes: { type: "Contact" }, LastName: "Brand new" },
        ],
      }),
    });
    expect(await res.json()).toEqual([
      { id: existing!.id, success: true, created: false, errors: [] },
      expect.objectContaining({ success: true, created: true }),
    ]);
    const viaJsforce = await conn
      .sobject("Contact")
      .upsert([{ Id: existing!.id!, Title: "Again" }], "Id");
    expect(viaJsforce).toEqual([expect.objectContaining({ success: true, created: false })]);
  });

  it("keeps SystemModstamp strictly increasing across writes", async () => {
    const results = await conn
      .sobject("Contact")
      .create(Array.from({ length: 50 }, (_, i) => ({ LastName: `Tick${i}` })));
    const ids = results.map((r) => r.id!);
    const rows = await conn.sobject("Contact").retrieve(ids, { fields: ["SystemModstamp"] });
    const stamps = rows.map((r) => Date.parse(String(r!.SystemModstamp).replace("+0000", "Z")));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
  });

  it("injects faults: a 503 HTML page once, then normal service", async () => {
    sandbox.injectFault({ status: 503, times: 1, pathPrefix: "/query" });
    const res = await api("/query?q=SELECT+Id+FROM+Lead+LIMIT+1");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect((await api("/query?q=SELECT+Id+FROM+Lead+LIMIT+1")).status).toBe(200);
  });

  it("answers 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is used", async () => {
    const { used } = sandbox.apiUsage();
    sandbox.setApiUsage(100_000);
    const res = await api("/query?q=SELECT+Id+FROM+Lead+LIMIT+1");
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual([
      expect.objectContaining({ errorCode: "REQUEST_LIMIT_EXCEEDED" }),
    ]);
    expect(res.headers.get("sforce-limit-info")).toBe("api-usage=100000/100000");
    sandbox.setApiUsage(used);
  });

  it("keeps admin calls out of the request log", async () => {
    const res = await fetch(`${sandbox.baseUrl}/_sandbox/sobjects/Lead`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fields: { LastName: "Ui", Company: "Acme" } }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { Id: string; Status: string; Name: string };
    expect(created).toMatchObject({ Status: "Open - Not Contacted", Name: "Ui" });
    const log = (await (await fetch(`${sandbox.baseUrl}/_sandbox/requests`)).json()) as {
      results: unknown[];
    };
    expect(log.results).toEqual([]);
  });
});
