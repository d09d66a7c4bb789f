import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchConnection } from "./fetch-connection.ts";
import { createSalesforceConnector, type SalesforceConnector } from "./index.ts";
import { jsforceConnection } from "./jsforce-connection.ts";
import type { RunningSalesforceSandbox } from "./sandbox/index.ts";
import { startTestOrg } from "./test-org.ts";

let sandbox: RunningSalesforceSandbox;
let sf: SalesforceConnector;
let conn: Connection;

beforeAll(async () => {
  ({ sandbox, sf, conn } = await startTestOrg());
});
afterAll(() => sandbox.close());

const lead = (email: string) =>
  sandbox.createRecord("Lead", { LastName: "Ito", Company: "X", Email: email }).Id as string;
const contact = (email: string) =>
  sandbox.createRecord("Contact", { LastName: "Ito", Email: email }).Id as string;

const connectorOn = (connect: typeof fetchConnection) =>
  createSalesforceConnector({
    connect,
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    objects: ["Lead", "Contact"],
    fields: { Lead: ["Email"], Contact: ["Email"] },
    retry: { attempts: 2, baseMs: 5, maxMs: 10 },
  });

describe("merging records in Salesforce (SOAP merge())", () => {
  for (const [name, connect] of [
    ["jsforce", jsforceConnection],
    ["fetch", fetchConnection],
  ] as const) {
    it(`folds leads into the master through ${name}: the others are deleted with MasterRecordId set`, async () => {
      const connector = connectorOn(connect);
      const master = lead(`ito.${name}.1@example.com`);
      const others = [lead(`ito.${name}.2@example.com`), lead(`ito.${name}.3@example.com`)];
      const [result] = await connector.mergeRecords([
        { ref: "m", object: "Lead", primaryId: master, mergedIds: others },
      ]);
      expect(result).toEqual({ ref: "m", ok: true, externalId: master });
      const live = await conn.query(`SELECT Id FROM Lead WHERE LastName = 'Ito'`);
      expect(live.records.map((r) => r.Id)).toContain(master);
      expect(live.records.map((r) => r.Id)).not.toContain(others[0]);
      const binned = await conn.query<{ Id: string; MasterRecordId: string }>(
        `SELECT Id, MasterRecordId FROM Lead WHERE IsDeleted = true AND MasterRecordId != null`,
        { scanAll: true },
      );
      for (const id of others)
        expect(binned.records.find((r) => r.Id === id)?.MasterRecordId).toBe(master);
    });
  }

  it("more than two records to fold go as several requests into the same master, in one call", async () => {
    const master = contact("kato.1@example.com");
    const others = [2, 3, 4, 5].map((n) => contact(`kato.${n}@example.com`));
    const before = sandbox.requests().length;
    const [result] = await sf.mergeRecords([
      { ref: "k", object: "Contact", primaryId: master, mergedIds: others },
    ]);
    expect(result?.ok).toBe(true);
    const soap = sandbox
      .requests()
      .slice(before)
      .filter((r) => r.path.startsWith("/services/Soap"));
    expect(soap).toHaveLength(1);
    const left = await conn.query(`SELECT Id FROM Contact WHERE LastName = 'Ito'`);
    expect(left.records.map((r) => r.Id)).toEqual([master]);
  });

  it("a Lead with a Contact, a record with itself and a missing record fail per merge, the others go through", async () => {
    const l = lead("mix.1@example.com");
    const c = contact("mix.2@example.com");
    const l2 = lead("mix.3@example.com");
    const l3 = lead("mix.4@example.com");
    const results = await sf.mergeRecords([
      { ref: "typed", object: "Lead", primaryId: l, mergedIds: [c] },
      { ref: "self", object: "Lead", primaryId: l, mergedIds: [l] },
      { ref: "missing", object: "Lead", primaryId: l, mergedIds: ["00Q5g00000ZZZZZZZZ"] },
      { ref: "fine", object: "Lead", primaryId: l2, mergedIds: [l3] },
      { ref: "account", object: "Account", primaryId: l2, mergedIds: [l3] },
    ]);
    expect(results.map((r) => [r.ref, r.ok, r.error?.code])).toEqual([
      ["typed", false, "INVALID_TYPE_FOR_OPERATION"],
      ["self", false, "INVALID_ID_FIELD"],
      ["missing", false, "INVALID_CROSS_REFERENCE_KEY"],
      ["fine", true, undefined],
      ["account", false, "UNSUPPORTED_OBJECT"],
    ]);
    expect(results.every((r) => r.error?.retryable !== true)).toBe(true);
    expect(sandbox.getRecord("Lead", l)).toBeDefined();
    expect(sandbox.getRecord("Contact", c)).toBeDefined();
  });

  it("an expired session is a SOAP fault that is not retried blindly and says what it is", async () => {
    const master = lead("exp.1@example.com");
    const other = lead("exp.2@example.com");
    sandbox.expireSessions();
    const [result] = await sf.mergeRecords([
      { ref: "x", object: "Lead", primaryId: master, mergedIds: [other] },
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "INVALID_SESSION_ID", retryable: false },
    });
    expect(sandbox.getRecord("Lead", other)).toBeDefined();
  });
});
