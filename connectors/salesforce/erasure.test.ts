import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SalesforceConnector } from "./index.ts";
import type { RunningSalesforceSandbox } from "./sandbox/index.ts";
import { startTestOrg } from "./test-org.ts";

let sandbox: RunningSalesforceSandbox;
let sf: SalesforceConnector;
let conn: Connection;

beforeAll(async () => {
  ({ sandbox, sf, conn } = await startTestOrg({
    // Each test makes dozens of calls; the default 50/s limiter would only add waiting.
    rateLimit: { requests: 1000, perMs: 1000, concurrency: 10 },
    consent: {
      individual: {
        purposes: [{ purpose: "newsletter", channel: "email", dataUsePurposeName: "Newsletter" }],
      },
    },
  }));
});
afterAll(() => sandbox.close());

const count = async (soql: string) => (await conn.query(soql)).totalSize;

/** A Lead with an Individual, a consent record, a Task, an Event and a campaign membership. */
async function person(individual?: string) {
  const ind = individual ?? (sandbox.createRecord("Individual", { LastName: "Ono" }).Id as string);
  const id = sandbox.createRecord("Lead", { LastName: "Ono", Company: "X", IndividualId: ind })
    .Id as string;
  await sf.writeConsent([
    {
      ref: "c",
      object: "Lead",
      externalId: id,
      statements: [
        {
          channel: "email",
          purpose: "newsletter",
          state: "opted_out",
          explicit: true,
          occurredAt: Date.now(),
          evidence: { kind: "hub" },
        },
      ],
    },
  ]);
  await sf.writeActivities([
    {
      ref: "t",
      key: `erase-${id}`,
      person: { object: "Lead", externalId: id },
      subject: "s",
      description: "d",
      occurredAt: Date.now(),
    },
  ]);
  sandbox.createRecord("Task", { WhoId: id, Subject: "their own task" });
  sandbox.createRecord("Event", {
    WhoId: id,
    StartDateTime: "2025-01-01T10:00:00.000Z",
    DurationInMinutes: 15,
  });
  const campaign = sandbox.createRecord("Campaign", { Name: "C" }).Id as string;
  sandbox.createRecord("CampaignMember", { CampaignId: campaign, LeadId: id });
  return { id, individual: ind };
}

describe("erase", () => {
  it("deletes the person, their Tasks, Events, memberships, Individual and consents", async () => {
    const { id, individual } = await person();
    expect(await count(`SELECT COUNT() FROM Task WHERE WhoId = '${id}'`)).toBe(2);
    const results = await sf.erase([{ object: "Lead", externalId: id }]);
    expect(results).toEqual([{ ref: id, ok: true, externalId: id }]);
    expect(await sf.fetchByIds("Lead", [id])).toEqual([]);
    for (const soql of [
      `SELECT COUNT() FROM Task WHERE WhoId = '${id}'`,
      `SELECT COUNT() FROM Event WHERE WhoId = '${id}'`,
      `SELECT COUNT() FROM CampaignMember WHERE LeadId = '${id}'`,
      `SELECT COUNT() FROM Individual WHERE Id = '${individual}'`,
      `SELECT COUNT() FROM ContactPointTypeConsent WHERE PartyId = '${individual}'`,
    ])
      expect(await count(soql)).toBe(0);
  });

  it("erasing again, or a record that never existed, is ok", async () => {
    const { id } = await person();
    await sf.erase([{ object: "Lead", externalId: id }]);
    const again = await sf.erase([
      { object: "Lead", externalId: id },
      { object: "Contact", externalId: "0035g0000000zzzAAA" },
    ]);
    expect(again.map((r) => r.ok)).toEqual([true, true]);
  });

  it("keeps an Individual another person still links, and refuses other objects", async () => {
    const first = await person();
    const second = await person(first.individual);
    const results = await sf.erase([
      { object: "Lead", externalId: first.id },
      { object: "Account", externalId: "0015g0000000001AAA" },
    ]);
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([
      [true, undefined],
      [false, "UNSUPPORTED_OBJECT"],
    ]);
    expect(sandbox.getRecord("Individual", first.individual)).toBeDefined();
    expect(sandbox.getRecord("Lead", second.id)).toBeDefined();
    await sf.erase([{ object: "Lead", externalId: second.id }]);
    expect(sandbox.getRecord("Individual", first.individual)).toBeUndefined();
  });

  it("a deleted person answers 404: NOT_FOUND on read, ENTITY_IS_DELETED on delete", async () => {
    const { id } = await person();
    await sf.erase([{ object: "Lead", externalId: id }]);
    await expect(conn.sobject("Lead").retrieve(id)).rejects.toMatchObject({
      errorCode: "NOT_FOUND",
    });
    await expect(conn.sobject("Lead").destroy(id)).rejects.toMatchObject({
      errorCode: "ENTITY_IS_DELETED",
    });
    const [bulk] = await conn.sobject("Lead").destroy([id], { allOrNone: false });
    expect(bulk).toMatchObject({ success: false, errors: [{ statusCode: "ENTITY_IS_DELETED" }] });
  });
});
