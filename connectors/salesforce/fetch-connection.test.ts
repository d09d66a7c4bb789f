import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SalesforceQueryResult,
  SalesforceRetrieveResult,
  SalesforceSaveResults,
} from "./api-types.ts";
import {
  classifySalesforceError,
  createSalesforceClient,
  errorCode,
  isInvalidSession,
  isRetryableLater,
  SalesforceApiError,
} from "./client.ts";
import type { ConnectionFactory, ConnectionOptions, SalesforceConnection } from "./connection.ts";
import { networkCode } from "./errors.ts";
import { fetchConnection } from "./fetch-connection.ts";
import { jsforceConnection } from "./jsforce-connection.ts";
import { type RunningSalesforceSandbox, startSalesforceSandbox } from "./sandbox/index.ts";

const SEEDED = 2500;
const FACTORIES: Array<[string, ConnectionFactory]> = [
  ["jsforce", jsforceConnection],
  ["fetch", fetchConnection],
];

let sandbox: RunningSalesforceSandbox;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({
    port: 0,
    webhookUrl: null,
    seed: Array.from({ length: SEEDED }, (_, i) => ({
      type: "Lead" as const,
      fields: { LastName: `Page${i}`, Company: "Acme", Email: `page${i}@example.com` },
    })),
  });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

const open = (connect: ConnectionFactory, options: Partial<ConnectionOptions> = {}) =>
  connect({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    version: "62.0",
    timeoutMs: 10_000,
    ...options,
  });

/** The same steps on a jsforce and on a fetch connection, one after the other. */
async function onBoth<T>(
  steps: (conn: SalesforceConnection, name: string) => Promise<T>,
  options: Partial<ConnectionOptions> = {},
): Promise<{ jsforce: T; fetch: T }> {
  const jsforce = await steps(open(jsforceConnection, options), "jsforce");
  const fetch = await steps(open(fetchConnection, options), "fetch");
  return { jsforce, fetch };
}

const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listen = (server: Server) =>
  new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );

/** How the client treats an error: what the retry layer and the write results see. */
const treatment = (error: unknown) => ({
  retry: classifySalesforceError(error).retry,
  retryCreate: classifySalesforceError(error, { idempotent: false }).retry,
  retryableLater: isRetryableLater(error),
  invalidSession: isInvalidSession(error),
  code: errorCode(error),
});

const apiError = (error: unknown) => {
  expect(error).toBeInstanceOf(SalesforceApiError);
  const e = error as SalesforceApiError;
  return {
    status: e.status,
    errorCode: e.errorCode,
    message: e.message,
    fields: e.fields,
    retryAfterMs: e.retryAfterMs,
    ...treatment(e),
  };
};

/** Record ids that differ between the two runs (new records) replaced by their position. */
const withoutNewIds = (results: unknown, fresh: string[]) =>
  JSON.parse(
    JSON.stringify(results, (_key, value) =>
      typeof value === "string" && fresh.includes(value) ? `<new ${fresh.indexOf(value)}>` : value,
    ),
  );

const savedIds = (results: unknown) =>
  SalesforceSaveResults.parse(results).flatMap((r) => (r.success && r.id ? [r.id] : []));

const leadSoql = "SELECT Id, Email, SystemModstamp FROM Lead ORDER BY SystemModstamp ASC, Id ASC";

async function allPages(
  conn: SalesforceConnection,
  soql: string,
  options: { headers?: Record<string, string>; scanAll?: boolean } = {},
) {
  const pages = [(await conn.query(soql, options)) as Record<string, unknown>];
  for (let page = pages[0]!; page.done !== true; pages.push(page)) {
    page = (await conn.queryMore(String(page.nextRecordsUrl), options)) as Record<string, unknown>;
  }
  return pages;
}

describe("the fetch connection answers like the jsforce connection", () => {
  it("pages a query across queryMore, with and without a batch size", async () => {
    for (const headers of [undefined, { "Sforce-Query-Options": "batchSize=1000" }]) {
      const pages = await onBoth((conn) => allPages(conn, leadSoql, { headers }));
      for (const run of [pages.jsforce, pages.fetch]) {
        for (const page of run) SalesforceQueryResult.parse(page);
        const locators = run.slice(0, -1).map((p) => p.nextRecordsUrl);
        for (const url of locators)
          expect(url).toMatch(
            new RegExp(`^${sandbox.baseUrl}/services/data/v62\\.0/query/01g\\w+-\\d+$`),
          );
        expect(run.at(-1)).not.toHaveProperty("nextRecordsUrl");
      }
      // Each run opened its own server cursor, so only the locators differ.
      const strip = (run: Array<Record<string, unknown>>) =>
        run.map(({ nextRecordsUrl, ...rest }) => ({
          ...rest,
          next: typeof nextRecordsUrl === "string" ? /-(\d+)$/.exec(nextRecordsUrl)?.[1] : null,
        }));
      expect(strip(pages.fetch)).toEqual(strip(pages.jsforce));
      const sizes = pages.fetch.map((p) => (p.records as unknown[]).length);
      expect(sizes).toEqual(headers ? [1000, 1000, 500] : [2000, 500]);
      expect(pages.fetch[0]).toMatchObject({ totalSize: SEEDED, done: false });
    }
    expect(
      sandbox.requests().map((r) => r.path.split("?")[0]!.replace(/query\/.+$/, "query/{locator}")),
    ).toEqual(
      [2, 2, 3, 3].flatMap((n) => [
        "/services/data/v62.0/query",
        ...Array(n - 1).fill("/services/data/v62.0/query/{locator}"),
      ]),
    );
  });

  it("reads merged-away rows only with scanAll (queryAll)", async () => {
    const lead = (n: number) =>
      String(sandbox.createRecord("Lead", { LastName: `Merge${n}`, Company: "X" }).Id);
    const master = lead(1);
    const loser = lead(2);
    sandbox.mergeRecords("Lead", master, [loser]);
    const soql = `SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '${loser}'`;
    const live = await onBoth((conn) => conn.query(soql));
    const all = await onBoth((conn) => conn.query(soql, { scanAll: true }));
    expect(live.fetch).toEqual(live.jsforce);
    expect(live.fetch).toMatchObject({ totalSize: 0, done: true, records: [] });
    expect(all.fetch).toEqual(all.jsforce);
    expect(all.fetch).toMatchObject({
      totalSize: 1,
      records: [{ Id: loser, IsDeleted: true, MasterRecordId: master }],
    });
    expect(sandbox.requests().map((r) => r.path.split("?")[0])).toEqual([
      "/services/data/v62.0/query",
      "/services/data/v62.0/query",
      "/services/data/v62.0/queryAll",
      "/services/data/v62.0/queryAll",
    ]);
  });

  it("retrieves by id with null in place of a missing record, and nothing for no ids", async () => {
    const [a, b] = (
      (await open(jsforceConnection).query(leadSoql)) as { records: { Id: string }[] }
    ).records;
    const ids = [a!.Id, "00Q5g00000ZZZZZAAA", b!.Id];
    const got = await onBoth((conn) =>
      conn.sobject("Lead").retrieve(ids, { fields: ["Id", "Email", "LastName"] }),
    );
    expect(got.fetch).toEqual(got.jsforce);
    const records = SalesforceRetrieveResult.parse(got.fetch);
    expect(records.map((r) => r?.Id ?? null)).toEqual([a!.Id, null, b!.Id]);
    expect(records[0]).toMatchObject({ attributes: { type: "Lead" }, Email: expect.any(String) });

    sandbox.clearRequests();
    const none = await onBoth((conn) => conn.sobject("Lead").retrieve([], { fields: ["Id"] }));
    expect(none).toEqual({ jsforce: [], fetch: [] });
    expect(sandbox.requests()).toEqual([]);
  });

  it("creates and updates with per-record errors when one record fails", async () => {
    const created = await onBoth((conn, name) =>
      conn
        .sobject("Lead")
        .create(
          [
            { LastName: `Created-${name}`, Company: "Acme", Email: `${name}@example.com` },
            { Company: "No last name" },
            { LastName: "Bad email", Company: "Acme", Email: "not-an-email" },
          ],
          { allOrNone: false },
        ),
    );
    const fresh = [...savedIds(created.jsforce), ...savedIds(created.fetch)];
    expect(fresh).toHaveLength(2);
    expect(withoutNewIds(created.fetch, [fresh[1]!])).toEqual(
      withoutNewIds(created.jsforce, [fresh[0]!]),
    );
    expect(SalesforceSaveResults.parse(created.fetch).map((r) => r.errors[0]?.statusCode)).toEqual([
      undefined,
      "REQUIRED_FIELD_MISSING",
      "INVALID_EMAIL_ADDRESS",
    ]);

    const updated = await onBoth((conn, name) =>
      conn.sobject("Lead").update(
        [
          { Id: fresh[0]!, Title: `Updated by ${name}` },
          { Id: "00Q5g00000ZZZZZAAA", Title: "Nobody" },
          { Id: fresh[1]!, Email: "still-not-an-email" },
        ],
        { allOrNone: false },
      ),
    );
    expect(updated.fetch).toEqual(updated.jsforce);
    expect(SalesforceSaveResults.parse(updated.fetch).map((r) => r.success)).toEqual([
      true,
      false,
      false,
    ]);
    expect(sandbox.getRecord("Lead", fresh[0]!)).toMatchObject({ Title: "Updated by fetch" });
  });

  it("upserts on an external id: created, then matched, with a per-record error", async () => {
    const tasks = (run: string) => [
      { Tsunagu_Key__c: `${run}-1`, Subject: "First", Status: "Completed" },
      { Tsunagu_Key__c: `${run}-2`, Subject: "Bad status", Status: "Bogus" },
    ];
    const upsert = (conn: SalesforceConnection, name: string) =>
      conn.sobject("Task").upsert(tasks(name), "Tsunagu_Key__c", { allOrNone: false });
    const first = await onBoth(upsert);
    const fresh = [...savedIds(first.jsforce), ...savedIds(first.fetch)];
    expect(withoutNewIds(first.fetch, [fresh[1]!])).toEqual(
      withoutNewIds(first.jsforce, [fresh[0]!]),
    );
    expect(first.fetch).toMatchObject([
      { success: true, created: true },
      { success: false, errors: [{ statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" }] },
    ]);
    const again = await onBoth(upsert);
    expect(again.jsforce).toMatchObject([{ id: fresh[0], success: true, created: false }, {}]);
    expect(withoutNewIds(again.fetch, [fresh[1]!])).toEqual(
      withoutNewIds(again.jsforce, [fresh[0]!]),
    );
  });

  it("destroys with per-record results; a second delete finds the record gone", async () => {
    const lead = () =>
      String(sandbox.createRecord("Lead", { LastName: "Doomed", Company: "X" }).Id);
    const ids = { jsforce: lead(), fetch: lead() };
    const destroy = (conn: SalesforceConnection, name: string) =>
      conn
        .sobject("Lead")
        .destroy([ids[name as keyof typeof ids], "00Q5g00000ZZZZZAAA"], { allOrNone: false });
    const first = await onBoth(destroy);
    expect(withoutNewIds(first.fetch, [ids.fetch])).toEqual(
      withoutNewIds(first.jsforce, [ids.jsforce]),
    );
    expect(SalesforceSaveResults.parse(first.fetch).map((r) => r.success)).toEqual([true, false]);
    const second = await onBoth(destroy);
    expect(withoutNewIds(second.fetch, [ids.fetch])).toEqual(
      withoutNewIds(second.jsforce, [ids.jsforce]),
    );
    expect(second.fetch).toMatchObject([{ errors: [{ statusCode: "ENTITY_IS_DELETED" }] }, {}]);
    expect(new Set(sandbox.requests().map((r) => `${r.method} ${r.path.split("?")[0]}`))).toEqual(
      new Set(["DELETE /services/data/v62.0/composite/sobjects"]),
    );
  });

  it("reads daily API usage from Sforce-Limit-Info, on success and on error answers", async () => {
    const usage = await onBoth(async (conn) => {
      expect(conn.limitInfo.apiUsage).toBeUndefined();
      sandbox.setApiUsage(4242);
      await conn.query("SELECT Id FROM Lead LIMIT 1");
      const afterOk = conn.limitInfo.apiUsage;
      sandbox.setApiUsage(5000);
      sandbox.injectFault({ status: 403, times: 1 });
      await rejection(conn.query("SELECT Id FROM Lead LIMIT 1"));
      return [afterOk, conn.limitInfo.apiUsage];
    });
    expect(usage.fetch).toEqual([
      { used: 4243, limit: 100_000 },
      { used: 5000, limit: 100_000 },
    ]);
    expect(usage.jsforce).toEqual(usage.fetch);
  });
});

describe("errors are the same SalesforceApiError and are classified the same", () => {
  const faults = [
    { status: 401, errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" },
    { status: 403 },
    { status: 429 },
    { status: 500 },
    { status: 503 },
    { status: 503, retryAfterSeconds: 7 },
  ];
  it.each(faults)("fault %o", async (fault) => {
    const errors = await onBoth(async (conn) => {
      sandbox.injectFault({ ...fault, times: 1 });
      return apiError(await rejection(conn.query("SELECT Id FROM Lead LIMIT 1")));
    });
    expect(errors.fetch).toEqual(errors.jsforce);
    expect(sandbox.requests().map((r) => r.status)).toEqual([fault.status, fault.status]);
  });

  it("spells out what each fault means to the client", async () => {
    const expected = {
      401: { errorCode: "INVALID_SESSION_ID", retry: false, invalidSession: true },
      403: { errorCode: "REQUEST_LIMIT_EXCEEDED", retry: false, retryableLater: true },
      429: { errorCode: "REQUEST_LIMIT_EXCEEDED", retry: true, retryCreate: true },
      503: { errorCode: "HTTP_503", message: "Salesforce answered HTTP 503", retry: true },
    };
    for (const [status, want] of Object.entries(expected)) {
      const errors = await onBoth(async (conn) => {
        sandbox.injectFault({
          status: Number(status),
          times: 1,
          ...(status === "401" ? { errorCode: "INVALID_SESSION_ID" } : {}),
        });
        return apiError(await rejection(conn.query("SELECT Id FROM Lead LIMIT 1")));
      });
      expect(errors.fetch).toMatchObject({ status: Number(status), ...want });
      expect(errors.jsforce).toEqual(errors.fetch);
    }
  });

  it("a wrong access token: 401 INVALID_SESSION_ID, not retried", async () => {
    const errors = await onBoth(
      async (conn) =>
        apiError(await rejection(conn.sobject("Lead").retrieve(["x"], { fields: ["Id"] }))),
      { accessToken: "00D000000000000!wrong" },
    );
    expect(errors.fetch).toEqual(errors.jsforce);
    expect(errors.fetch).toMatchObject({ status: 401, retry: false, invalidSession: true });
  });

  it("a request-level 400 keeps its code and fields", async () => {
    const errors = await onBoth(async (conn) =>
      apiError(await rejection(conn.sobject("Lead").retrieve(["x"], { fields: ["NoSuchField"] }))),
    );
    expect(errors.fetch).toEqual(errors.jsforce);
    expect(errors.fetch).toMatchObject({ status: 400, errorCode: "INVALID_FIELD", retry: false });
  });
});

describe("through the client: one retry layer on either connection", () => {
  const client = (connect: ConnectionFactory) =>
    createSalesforceClient({
      connect,
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      retry: { attempts: 3, baseMs: 1, maxMs: 2 },
    });

  it.each(FACTORIES)("%s: a 5xx is retried by the client only", async (_name, connect) => {
    const sf = client(connect);
    sandbox.injectFault({ status: 503, times: 1, pathPrefix: "/query" });
    await expect(
      sf.call((conn) => conn.query("SELECT Id FROM Lead LIMIT 1")),
    ).resolves.toMatchObject({ done: true });
    expect(sandbox.requests().map((r) => r.status)).toEqual([503, 200]);

    // jsforce would retry a DELETE by itself; the connection must not.
    sandbox.clearRequests();
    sandbox.injectFault({ status: 502, times: 10, method: "DELETE" });
    await expect(
      sf.call((conn) => conn.sobject("Lead").destroy(["00Q5g00000ZZZZZAAA"])),
    ).rejects.toMatchObject({ status: 502, errorCode: "HTTP_502" });
    expect(sandbox.requests().map((r) => r.status)).toEqual([502, 502, 502]);
    expect(sf.apiUsage()).toEqual(sandbox.apiUsage());
  });
});

describe("network failures", () => {
  let dead: string;
  let reset: Server;
  let hang: Server;

  beforeAll(async () => {
    const closed = createServer();
    await listen(closed);
    dead = url(closed);
    await new Promise((done) => closed.close(done));
    reset = createServer((req) => req.socket.destroy());
    hang = createServer(() => {});
    await Promise.all([listen(reset), listen(hang)]);
  });
  afterAll(() => {
    for (const server of [reset, hang]) {
      server.closeAllConnections();
      server.close();
    }
  });

  const failures = {
    "connection refused": { target: () => dead, code: "ECONNREFUSED", retryCreate: true },
    "connection reset": { target: () => url(reset), code: "ECONNRESET", retryCreate: false },
    timeout: { target: () => url(hang), code: "ETIMEDOUT", retryCreate: false },
  };
  it.each(Object.entries(failures))("%s", async (_name, failure) => {
    const errors = await onBoth(
      async (conn) => {
        const error = await rejection(conn.sobject("Lead").create([{ LastName: "X" }]));
        return { networkCode: networkCode(error), ...treatment(error) };
      },
      { instanceUrl: failure.target(), timeoutMs: 300 },
    );
    expect(errors.fetch).toEqual(errors.jsforce);
    expect(errors.fetch).toEqual({
      networkCode: failure.code,
      retry: true,
      retryCreate: failure.retryCreate,
      retryableLater: true,
      invalidSession: false,
      code: `NETWORK_${failure.code}`,
    });
  });
});

describe("requests on the wire", () => {
  interface Seen {
    method: string;
    url: string;
    authorization?: string;
    contentType?: string;
    queryOptions?: string;
    body: string;
  }
  let recorder: Server;
  let seen: Seen[];
  const pick = (h: IncomingHttpHeaders) => ({
    ...(h.authorization ? { authorization: h.authorization } : {}),
    ...(h["content-type"] ? { contentType: h["content-type"] } : {}),
    ...(h["sforce-query-options"] ? { queryOptions: String(h["sforce-query-options"]) } : {}),
  });

  beforeAll(async () => {
    recorder = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, ...pick(req.headers), body });
        res.setHeader("content-type", "application/json;charset=UTF-8");
        const first = req.url!.includes("/query?");
        // An empty result may come without `done`; jsforce reports it as done.
        const empty = req.url!.includes("/queryAll?");
        res.end(
          JSON.stringify(
            empty
              ? { totalSize: 0, records: [] }
              : req.method === "GET"
                ? {
                    totalSize: 2,
                    done: !first,
                    ...(first
                      ? { nextRecordsUrl: "/services/data/v62.0/query/01gXX0000000001AAA-1" }
                      : {}),
                    records: [{ attributes: { type: "Lead" }, Id: first ? "a" : "b" }],
                  }
                : [],
          ),
        );
      });
    });
    await listen(recorder);
  });
  afterAll(() => new Promise<void>((done) => recorder.close(() => done())));

  it("sends the same method, URL, auth, content type and body as jsforce", async () => {
    const requests = await onBoth(
      async (conn) => {
        seen = [];
        const lead = conn.sobject("Lead");
        const page = (await conn.query("SELECT Id FROM Lead WHERE Email = 'a+b@x.io'", {
          headers: { "Sforce-Query-Options": "batchSize=200" },
        })) as { nextRecordsUrl: string };
        await conn.queryMore(page.nextRecordsUrl, {
          headers: { "Sforce-Query-Options": "batchSize=200" },
        });
        const empty = await conn.query("SELECT Id FROM Lead", { scanAll: true });
        await lead.retrieve(["00Q1", "00Q2"], { fields: ["Id", "Email"] });
        await lead.create([{ LastName: "A", Id: "dropped", type: "dropped too" }], {
          allOrNone: false,
        });
        await lead.update([{ Id: "00Q1", Title: "T", attributes: { type: "Other" } }], {
          allOrNone: false,
        });
        await conn
          .sobject("Task")
          .upsert([{ Subject: "S", Tsunagu_Key__c: "k1", Id: "kept" }], "Tsunagu_Key__c", {
            allOrNone: false,
          });
        await lead.destroy(["00Q1", "00Q2"], { allOrNone: false });
        await lead.destroy(["00Q3"], { allOrNone: true });
        await lead.create([], { allOrNone: false });
        return { seen, page, empty };
      },
      { instanceUrl: url(recorder), accessToken: "00Dtoken!x" },
    );
    expect(requests.fetch).toEqual(requests.jsforce);
    expect(requests.fetch.empty).toEqual({ records: [], totalSize: 0, done: true });
    expect(requests.fetch.page).toEqual({
      records: [{ attributes: { type: "Lead" }, Id: "a" }],
      totalSize: 2,
      done: false,
      nextRecordsUrl: `${url(recorder)}/services/data/v62.0/query/01gXX0000000001AAA-1`,
    });
    expect(requests.fetch.seen.map((r) => `${r.method} ${decodeURIComponent(r.url)}`)).toEqual([
      "GET /services/data/v62.0/query?q=SELECT Id FROM Lead WHERE Email = 'a+b@x.io'",
      "GET /services/data/v62.0/query/01gXX0000000001AAA-1",
      "GET /services/data/v62.0/queryAll?q=SELECT Id FROM Lead",
      "POST /services/data/v62.0/composite/sobjects/Lead",
      "POST /services/data/v62.0/composite/sobjects",
      "PATCH /services/data/v62.0/composite/sobjects",
      "PATCH /services/data/v62.0/composite/sobjects/Task/Tsunagu_Key__c",
      "DELETE /services/data/v62.0/composite/sobjects?ids=00Q1,00Q2",
      "DELETE /services/data/v62.0/composite/sobjects?ids=00Q3&allOrNone=true",
    ]);
    expect(requests.fetch.seen.map((r) => r.body)).toEqual([
      "",
      "",
      "",
      '{"ids":["00Q1","00Q2"],"fields":["Id","Email"]}',
      '{"allOrNone":false,"records":[{"attributes":{"type":"Lead"},"LastName":"A"}]}',
      '{"allOrNone":false,"records":[{"id":"00Q1","attributes":{"type":"Lead"},"Title":"T"}]}',
      '{"allOrNone":false,"records":[{"Tsunagu_Key__c":"k1","attributes":{"type":"Task"},"Subject":"S","Id":"kept"}]}',
      "",
      "",
    ]);
    expect(requests.fetch.seen[0]).toMatchObject({
      authorization: "Bearer 00Dtoken!x",
      queryOptions: "batchSize=200",
    });
  });
});

describe("the Workers module graph", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  /** Every bare import reachable from `entry` through relative imports. */
  function packagesReachable(entry: string): Set<string> {
    const packages = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      const statements =
        /(?:^|\n)\s*(?:import\s+"([^"]+)"|(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)")/g;
      for (const m of source.matchAll(statements)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
        else packages.add(spec);
      }
      for (const m of source.matchAll(/import\("([^"]+)"\)/g)) packages.add(m[1]!);
    };
    visit(resolve(here, entry));
    return packages;
  }

  it.each(["index.ts", "fetch-connection.ts"])(
    "%s reaches neither jsforce nor node: modules",
    (entry) => {
      const packages = [...packagesReachable(entry)];
      expect(packages.length).toBeGreaterThan(0);
      expect(packages.filter((p) => p === "jsforce" || p.startsWith("node:"))).toEqual([]);
    },
  );

  it("the check sees jsforce behind jsforce-connection.ts", () => {
    expect(packagesReachable("jsforce-connection.ts")).toContain("jsforce");
  });
});
