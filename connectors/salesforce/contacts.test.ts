import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SourceRecord, WriteOp } from "../contract.ts";
import { MAX_QUERY_URI, wireLength } from "./in-lists.ts";
import {
  createSalesforceConnector,
  type SalesforceConnectorConfig,
  type SalesforceConnectorOptions,
} from "./index.ts";
import { type RunningSalesforceSandbox, startSalesforceSandbox } from "./sandbox/index.ts";
import { startTestOrg, type TestOrg, testConnection } from "./test-org.ts";
import { outboundAck, parseOutboundMessage, sameOrgId, soapFault } from "./webhooks.ts";

const SEEDED = 5000;
let sandbox: RunningSalesforceSandbox;
let config: SalesforceConnectorConfig;
const connector = (overrides: Partial<SalesforceConnectorOptions> = {}) =>
  createSalesforceConnector({ ...config, ...overrides });

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({
    port: 0,
    outboundBatchDelayMs: 20,
    outboundRetryBaseMs: 40,
    seed: Array.from({ length: SEEDED }, (_, i) => ({
      type: "Lead" as const,
      fields: {
        FirstName: `F${i}`,
        LastName: `Lead${i}`,
        Company: "Acme",
        Email: `lead${i}@example.com`,
      },
    })),
  });
  config = {
    connect: testConnection,
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    objects: ["Lead", "Contact"],
    fields: {
      Lead: ["FirstName", "LastName", "Email", "Company"],
      Contact: ["FirstName", "LastName", "Email"],
    },
    retry: { attempts: 3, baseMs: 5, maxMs: 20 },
  };
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

async function pullAll(object: string, cursor: string | null, pageSize?: number) {
  const pages: { records: SourceRecord[]; cursor: string }[] = [];
  for await (const page of connector().pullChanges(object, cursor, { pageSize })) pages.push(page);
  return pages;
}

describe("pullChanges", () => {
  it("reads 5,000 Leads across pages, each id exactly once, oldest first", async () => {
    const pages = await pullAll("Lead", null);
    const ids = pages.flatMap((p) => p.records.map((r) => r.externalId));
    expect(pages.map((p) => p.records.length)).toEqual([2000, 2000, 1000]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(SEEDED);
    const stamps = pages.flatMap((p) => p.records.map((r) => r.modifiedAt));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(pages[0]!.records[0]).toMatchObject({
      system: "salesforce",
      object: "Lead",
      fields: { Company: "Acme" },
    });
    expect(pages[0]!.records[0]!.fields).not.toHaveProperty("attributes");
    const log = sandbox.requests();
    expect(log.map((r) => r.path.split("?")[0]!.replace(/query\/.*/, "query/{locator}"))).toEqual([
      "/services/data/v62.0/query",
      "/services/data/v62.0/query/{locator}",
      "/services/data/v62.0/query/{locator}",
    ]);
    expect(decodeURIComponent(log[0]!.path)).toContain("ORDER BY SystemModstamp ASC, Id ASC");
  });

  it("resumes from a mid-way cursor without losing records changed since", async () => {
    const first = await pullAll("Lead", null, 500);
    expect(first[0]!.records).toHaveLength(500);
    const cursor = first[3]!.cursor;
    const seenBefore = new Set(
      first.slice(0, 4).flatMap((p) => p.records.map((r) => r.externalId)),
    );
    const early = first[0]!.records[10]!;
    sandbox.updateRecord("Lead", early.externalId, { Title: "Changed after the cursor" });
    const resumed = (await pullAll("Lead", cursor)).flatMap((p) => p.records);
    const all = new Set([...seenBefore, ...resumed.map((r) => r.externalId)]);
    const total = first.flatMap((p) => p.records).length;
    expect(all.size).toBe(total);
    expect(resumed.find((r) => r.externalId === early.externalId)).toBeDefined();
    // The record at the cursor's timestamp is re-read, never skipped.
    expect(resumed[0]!.externalId).toBe(first[3]!.records.at(-1)!.externalId);
  });

  it("respects since and until and skips converted Leads", async () => {
    const lead = sandbox.createRecord("Lead", { LastName: "Converted", Company: "Acme" }) as {
      Id: string;
    };
    sandbox.convertLead(lead.Id);
    const ids = (await pullAll("Lead", null)).flatMap((p) => p.records.map((r) => r.externalId));
    expect(ids).not.toContain(lead.Id);
    const fresh = sandbox.createRecord("Lead", { LastName: "Fresh", Company: "Acme" }) as {
      Id: string;
      SystemModstamp: string;
    };
    const since = Date.parse(fresh.SystemModstamp.replace("+0000", "Z"));
    const sinceIds: string[] = [];
    for await (const page of connector().pullChanges("Lead", null, { since }))
      sinceIds.push(...page.records.map((r) => r.externalId));
    expect(sinceIds).toEqual([fresh.Id]);
    const until = Date.now() - 60_000;
    expect(
      await pullAll("Lead", null).then(() =>
        connector().pullChanges("Lead", null, { until })[Symbol.asyncIterator]().next(),
      ),
    ).toMatchObject({ done: true });
  });

  it("retries an injected 503 on a query in exactly one layer", async () => {
    sandbox.injectFault({ status: 503, times: 1, pathPrefix: "/query" });
    const pages = await pullAll("Contact", null);
    expect(pages.flatMap((p) => p.records).length).toBeGreaterThanOrEqual(0);
    expect(sandbox.requests().map((r) => r.status)).toEqual([503, 200]);

    sandbox.clearRequests();
    sandbox.injectFault({ status: 503, times: 50, pathPrefix: "/query" });
    await expect(pullAll("Contact", null)).rejects.toMatchObject({
      status: 503,
      errorCode: "HTTP_503",
    });
    // attempts: 3 in our layer, none in jsforce's (it would make 6 per attempt).
    expect(sandbox.requests()).toHaveLength(3);
  });

  it("does not hammer a spent daily allocation", async () => {
    sandbox.injectFault({ status: 403, times: 5 });
    await expect(connector().fetchByIds("Lead", ["00Q5g0000000001AAA"])).rejects.toMatchObject({
      errorCode: "REQUEST_LIMIT_EXCEEDED",
    });
    expect(sandbox.requests()).toHaveLength(1);
  });
});

describe("fetchByIds and findByEmails", () => {
  it("returns existing records and omits missing ids", async () => {
    const [page] = await pullAll("Lead", null);
    const ids = page!.records.slice(0, 3).map((r) => r.externalId);
    const got = await connector().fetchByIds("Lead", [...ids, "00Q5g00000ZZZZZAAA"]);
    expect(got.map((r) => r.externalId).sort()).toEqual([...ids].sort());
    expect(got[0]!.fields).toHaveProperty("Email");
  });

  it("is case-insensitive, prefers Contacts and ignores converted Leads", async () => {
    sandbox.createRecord("Contact", { LastName: "Both", Email: "both@example.com" });
    sandbox.createRecord("Lead", { LastName: "Both", Company: "Acme", Email: "Both@Example.com" });
    const converted = sandbox.createRecord("Lead", {
      LastName: "Old",
      Company: "Acme",
      Email: "both@example.com",
    }) as { Id: string };
    sandbox.convertLead(converted.Id);
    const found = await connector().findByEmails([
      "BOTH@example.COM",
      "lead7@EXAMPLE.com",
      "o'hara@example.com",
    ]);
    const found2 = found.map((r) => [r.object, String(r.fields.Email).toLowerCase()]);
    expect(found2[0]).toEqual(["Contact", "both@example.com"]);
    expect(found2.slice(1).sort()).toEqual([
      ["Lead", "both@example.com"],
      ["Lead", "lead7@example.com"],
    ]);
    expect(found.map((r) => r.externalId)).not.toContain(converted.Id);
  });
});

describe("write", () => {
  it("creates and updates with one result per op in input order and per-record errors", async () => {
    const [page] = await pullAll("Lead", null);
    const target = page!.records[0]!;
    sandbox.clearRequests();
    const ops: WriteOp[] = [
      { ref: "c1", object: "Contact", fields: { LastName: "New", Email: "new@example.com" } },
      { ref: "u1", object: "Lead", externalId: target.externalId, fields: { Title: "VP" } },
      { ref: "c2", object: "Contact", fields: { FirstName: "NoLastName" } },
      { ref: "u2", object: "Lead", externalId: "00Q5g00000ZZZZZAAA", fields: { Title: "x" } },
      { ref: "c3", object: "Lead", fields: { LastName: "L", Company: "C", Email: "not-an-email" } },
    ];
    const results = await connector().write(ops);
    expect(results.map((r) => [r.ref, r.ok])).toEqual([
      ["c1", true],
      ["u1", true],
      ["c2", false],
      ["u2", false],
      ["c3", false],
    ]);
    expect(results[0]).toMatchObject({ created: true, externalId: expect.stringMatching(/^003/) });
    expect(results[1]).toMatchObject({ created: false, externalId: target.externalId });
    expect(results[2]!.error).toEqual({
      code: "REQUIRED_FIELD_MISSING",
      message: "Required fields are missing: [LastName]",
      fields: ["LastName"],
      retryable: false,
    });
    expect(results[3]!.error).toMatchObject({
      code: "INVALID_CROSS_REFERENCE_KEY",
      retryable: false,
    });
    expect(results[4]!.error).toMatchObject({ code: "INVALID_EMAIL_ADDRESS", fields: ["Email"] });
    expect(sandbox.getRecord("Lead", target.externalId)).toMatchObject({ Title: "VP" });
    expect(
      sandbox
        .requests()
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      "PATCH /services/data/v62.0/composite/sobjects",
      "POST /services/data/v62.0/composite/sobjects",
      "POST /services/data/v62.0/composite/sobjects",
    ]);
  });

  it("splits 450 creates into calls of 200 and marks a failed call's ops retryable", async () => {
    const ops = Array.from(
      { length: 450 },
      (_, i): WriteOp => ({ ref: `r${i}`, object: "Contact", fields: { LastName: `Batch${i}` } }),
    );
    sandbox.injectFault({
      status: 500,
      times: 3,
      method: "POST",
      pathPrefix: "/composite/sobjects",
    });
    const results = await connector().write(ops);
    const posts = sandbox.requests().filter((r) => r.method === "POST");
    expect(posts.map((r) => r.status)).toEqual([500, 500, 500, 200, 200]);
    expect(
      results
        .slice(0, 200)
        .every((r) => !r.ok && r.error?.code === "UNKNOWN_EXCEPTION" && r.error.retryable),
    ).toBe(true);
    expect(results.slice(200).every((r) => r.ok && r.created)).toBe(true);
    expect(results.map((r) => r.ref)).toEqual(ops.map((o) => o.ref));
  });
});

describe("Outbound Messages", () => {
  let receiver: Server;
  let bodies: string[];
  let failuresLeft: number;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        bodies.push(body);
        res.setHeader("content-type", "text/xml; charset=utf-8");
        if (failuresLeft-- > 0) {
          res.statusCode = 500;
          res.end(soapFault("not now"));
        } else {
          res.end(outboundAck());
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  beforeEach(() => {
    bodies = [];
    failuresLeft = 0;
    sandbox.setWebhookTarget(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sf`);
  });

  it("delivers an admin edit and redelivers the same notification until Ack", async () => {
    const contact = sandbox.createRecord("Contact", {
      LastName: "Hook",
      Email: "hook@example.com",
    }) as { Id: string };
    await sandbox.webhooksIdle();
    bodies = [];
    failuresLeft = 2;
    sandbox.updateRecord("Contact", contact.Id, { Title: "Edited in the UI" });
    await sandbox.webhooksIdle();
    expect(bodies).toHaveLength(3);
    const parsed = bodies.map(parseOutboundMessage);
    expect(new Set(parsed.map((p) => p.notices[0]!.eventKey)).size).toBe(1);
    expect(sameOrgId(parsed[0]!.organizationId, sandbox.organizationId)).toBe(true);
    expect(parsed[0]!.notices[0]).toMatchObject({
      object: "Contact",
      externalId: contact.Id,
      kind: "upsert",
      detail: { fields: { Title: "Edited in the UI", Email: "hook@example.com" } },
    });
    expect(parsed[0]!.notices[0]!.eventKey).toMatch(/^04l[0-9A-Za-z]{15}$/);
  });

  it("fires on API writes, batches them, and stays silent on deletes", async () => {
    const results = await connector().write(
      Array.from(
        { length: 150 },
        (_, i): WriteOp => ({ ref: `o${i}`, object: "Contact", fields: { LastName: `Om${i}` } }),
      ),
    );
    await sandbox.webhooksIdle();
    const notices = bodies.flatMap((b) => parseOutboundMessage(b).notices);
    expect(notices).toHaveLength(150);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    expect(bodies.every((b) => parseOutboundMessage(b).notices.length <= 100)).toBe(true);
    bodies = [];
    sandbox.deleteRecord("Contact", results[0]!.externalId!);
    await sandbox.webhooksIdle();
    expect(bodies).toEqual([]);
  });
});

describe("calls per record", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await startTestOrg();
  });
  afterAll(() => org.sandbox.close());
  beforeEach(() => org.sandbox.clearRequests());

  const calls = () =>
    org.sandbox.requests().map((r) => {
      const q = new URL(r.path, "http://x").searchParams.get("q");
      return q ? `GET ${/FROM (\w+)/.exec(q)![1]}` : `${r.method} ${r.path.split("?")[0]}`;
    });
  const count = (call: string) => calls().filter((c) => c === call).length;
  const COLLECTIONS = "/services/data/v62.0/composite/sobjects";
  const create = (object: string, i: number): WriteOp => ({
    ref: `${object}${i}`,
    object,
    fields: {
      LastName: `N${i}`,
      Email: `batch${object}${i}@example.com`,
      ...(object === "Lead" ? { Company: "Acme" } : {}),
    },
  });

  it("600 creates are exactly 3 collections of 200", async () => {
    const results = await org.sf.write(Array.from({ length: 600 }, (_, i) => create("Lead", i)));
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(600);
    expect(calls()).toEqual(Array(3).fill(`POST ${COLLECTIONS}`));
  });

  it("Leads and Contacts, creates and updates: ceil(N / 200) calls for each", async () => {
    const existing = await org.sf.write(
      Array.from({ length: 250 }, (_, i) => create("Contact", i)),
    );
    org.sandbox.clearRequests();
    const ops = [
      ...Array.from({ length: 250 }, (_, i) => create("Lead", 1000 + i)),
      ...Array.from({ length: 150 }, (_, i) => create("Contact", 1000 + i)),
      ...existing.map((r, i) => ({
        ref: `u${i}`,
        object: "Contact",
        externalId: r.externalId!,
        fields: { Title: "Buyer" },
      })),
    ];
    const results = await org.sf.write(ops);
    expect(results.map((r) => r.ref)).toEqual(ops.map((o) => o.ref));
    expect(results.every((r) => r.ok)).toBe(true);
    expect([count(`POST ${COLLECTIONS}`), count(`PATCH ${COLLECTIONS}`)]).toEqual([2 + 1, 2]);
  });

  it("a lookup of 500 emails costs the fewest GET /query calls the URI limit allows", async () => {
    const emails = Array.from(
      { length: 500 },
      (_, i) => `person${String(i).padStart(4, "0")}@example.com`,
    );
    await org.sf.write(
      emails.slice(0, 300).map((Email, i) => ({
        ref: String(i),
        object: "Lead",
        fields: { LastName: "L", Company: "Acme", Email },
      })),
    );
    await org.sf.write(
      emails.slice(200).map((Email, i) => ({
        ref: String(i),
        object: "Contact",
        fields: { LastName: "C", Email },
      })),
    );
    org.sandbox.clearRequests();
    const found = await org.sf.findByEmails(emails.map((e) => e.toUpperCase()));
    expect(found.filter((r) => r.object === "Lead")).toHaveLength(300);
    expect(found.filter((r) => r.object === "Contact")).toHaveLength(300);
    for (const object of ["Contact", "Lead"]) {
      const queries = org.sandbox.requests().filter((r) => r.path.includes(`FROM%20${object}%20`));
      // Every value has the same length: the first query holds as many as fit, one more would not.
      const first = queries[0]!.path;
      const held = decodeURIComponent(first).split("@example.com").length - 1;
      expect(first.length + wireLength(`,'${emails[0]}'`)).toBeGreaterThan(MAX_QUERY_URI);
      expect(queries.every((r) => r.path.length <= MAX_QUERY_URI)).toBe(true);
      expect(queries).toHaveLength(Math.ceil(500 / held));
      expect(queries.length).toBeLessThan(Math.ceil(500 / 200));
    }
  });
});
