import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SalesforceConnector } from "./index.ts";
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
  sandbox.createRecord("Lead", { LastName: "Ono", Company: "X", Email: email }).Id as string;

describe("merges done in Salesforce (MasterRecordId)", () => {
  it("query no longer sees the merged-away lead; queryAll does, with IsDeleted and MasterRecordId", async () => {
    const master = lead("ono.1@example.com");
    const loser = lead("ono.2@example.com");
    expect(sandbox.mergeRecords("Lead", master, [loser])).toBe(true);
    expect((await conn.query(`SELECT Id FROM Lead WHERE Id = '${loser}'`)).totalSize).toBe(0);
    const all = await conn.query<{ Id: string; IsDeleted: boolean; MasterRecordId: string }>(
      `SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '${loser}'`,
      { scanAll: true },
    );
    expect(all.records[0]).toMatchObject({ Id: loser, IsDeleted: true, MasterRecordId: master });
  });

  it("pullMerges turns each merged-away record into a merge notice on the survivor", async () => {
    const first = await sf.pullMerges(null);
    const master = lead("sato.1@example.com");
    const a = lead("sato.2@example.com");
    const b = lead("sato.3@example.com");
    sandbox.mergeRecords("Lead", master, [a, b]);
    const next = await sf.pullMerges(first.cursor);
    const mine = next.notices.filter((n) => n.externalId === master);
    expect(mine.map((n) => n.detail?.mergedObjectIds)).toEqual(
      expect.arrayContaining([
        [master, a],
        [master, b],
      ]),
    );
    expect(mine).toHaveLength(2);
    expect(
      mine.every((n) => n.kind === "merge" && n.eventKey.startsWith("salesforce:merge:")),
    ).toBe(true);
    // The cursor repeats its own instant only (notices are idempotent by key): nothing older.
    const again = await sf.pullMerges(next.cursor);
    expect(again.notices.length).toBeGreaterThan(0);
    expect(again.notices.every((n) => n.occurredAt === Number(next.cursor))).toBe(true);
  });
});
