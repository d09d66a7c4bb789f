import { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSalesforceSandbox, startSalesforceSandbox } from "./index.ts";

let sandbox: RunningSalesforceSandbox;
let conn: Connection;
let leadId: string;
let contactId: string;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0 });
  conn = new Connection({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    version: "62.0",
  });
  leadId = sandbox.createRecord("Lead", { LastName: "Lee", Company: "Acme" }).Id as string;
  contactId = sandbox.createRecord("Contact", { LastName: "Cho" }).Id as string;
});
afterAll(() => sandbox.close());

const errorsOf = async (type: string, record: Record<string, unknown>) => {
  const [result] = await conn.sobject(type).create([record], { allOrNone: false });
  return (result as unknown as { errors: Array<{ statusCode: string }> }).errors.map(
    (e) => e.statusCode,
  );
};

describe("consent and activity objects", () => {
  it("seeds the DataUsePurposes and describes the objects with their key prefixes", async () => {
    const names = (
      await conn.query<{ Name: string }>("SELECT Name FROM DataUsePurpose ORDER BY Name")
    ).records.map((r) => r.Name);
    expect(names).toEqual(["Marketing", "Newsletter", "Product updates"]);
    const task = await conn.sobject("Task").describe();
    expect(task.keyPrefix).toBe("00T");
    expect(task.fields.find((f) => f.name === "Tsunagu_Key__c")).toMatchObject({
      externalId: true,
      unique: true,
    });
    expect((await conn.sobject("Individual").describe()).keyPrefix).toBe("0PK");
  });

  it("checks lookups, restricted picklists and required fields with the real status codes", async () => {
    const individual = sandbox.createRecord("Individual", { LastName: "X" }).Id as string;
    expect(await errorsOf("Task", { WhoId: individual })).toEqual(["FIELD_INTEGRITY_EXCEPTION"]);
    expect(await errorsOf("Task", { WhoId: "00Q5g00000ZZZZZAAA" })).toEqual([
      "INVALID_CROSS_REFERENCE_KEY",
    ]);
    expect(await errorsOf("Task", { WhoId: "nope" })).toEqual(["MALFORMED_ID"]);
    expect(await errorsOf("Task", { WhoId: leadId, Status: "Done" })).toEqual([
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]);
    expect(
      await errorsOf("ContactPointTypeConsent", {
        Name: "c",
        PartyId: individual,
        PrivacyConsentStatus: "Yes",
      }),
    ).toEqual(["INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]);
    expect(await errorsOf("ContactPointTypeConsent", { Name: "c" })).toEqual([
      "REQUIRED_FIELD_MISSING",
    ]);
    expect(
      await errorsOf("Event", { WhoId: leadId, StartDateTime: "2025-01-01T00:00:00Z" }),
    ).toEqual(["REQUIRED_FIELD_MISSING"]);
    expect(await errorsOf("Lead", { LastName: "L", Company: "C", IndividualId: leadId })).toEqual([
      "FIELD_INTEGRITY_EXCEPTION",
    ]);
  });

  it("queries by WhoId IN (...) and date literals, and derives Task and Event fields", async () => {
    await conn.sobject("Task").create(
      [
        { WhoId: leadId, Subject: "a", ActivityDate: "2025-01-10", Status: "Completed" },
        { WhoId: contactId, Subject: "b", ActivityDate: "2025-02-10" },
      ],
      { allOrNone: true },
    );
    const rows = await conn.query<{ Subject: string; IsClosed: boolean }>(
      `SELECT Subject, IsClosed FROM Task WHERE WhoId IN ('${leadId}', '${contactId}') AND ActivityDate >= 2025-01-01 ORDER BY Subject`,
    );
    expect(rows.records.map((r) => [r.Subject, r.IsClosed])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    const quoted = conn.query("SELECT Id FROM Task WHERE ActivityDate = '2025-01-10'");
    await expect(quoted).rejects.toMatchObject({ errorCode: "MALFORMED_QUERY" });
    const event = sandbox.createRecord("Event", {
      WhoId: leadId,
      StartDateTime: "2025-01-01T10:00:00.000Z",
      DurationInMinutes: 45,
    });
    expect(event).toMatchObject({
      EndDateTime: "2025-01-01T10:45:00.000+0000",
      ActivityDateTime: "2025-01-01T10:00:00.000+0000",
    });
  });

  it("upserts Tasks on the Tsunagu_Key__c external id: create, then update, never a second", async () => {
    const task = (Subject: string) => ({ Tsunagu_Key__c: "key-1", WhoId: leadId, Subject });
    const [created] = await conn
      .sobject("Task")
      .upsert([task("one")], "Tsunagu_Key__c", { allOrNone: false });
    const [updated] = await conn
      .sobject("Task")
      .upsert([task("two")], "Tsunagu_Key__c", { allOrNone: false });
    expect(created).toMatchObject({ success: true, created: true });
    expect(updated).toMatchObject({ success: true, created: false, id: created!.id });
    const twice = await conn
      .sobject("Task")
      .upsert([task("x"), task("y")], "Tsunagu_Key__c", { allOrNone: false });
    expect(twice.map((r) => r.success)).toEqual([true, false]);
    expect(
      (await conn.query("SELECT COUNT() FROM Task WHERE Tsunagu_Key__c = 'key-1'")).totalSize,
    ).toBe(1);
    expect(await errorsOf("Task", { Tsunagu_Key__c: "KEY-1", WhoId: leadId })).toEqual([
      "DUPLICATE_VALUE",
    ]);
  });

  it("derives CampaignMember responses and refuses a second membership", async () => {
    const campaign = sandbox.createRecord("Campaign", { Name: "Expo" }).Id as string;
    const member = sandbox.createRecord("CampaignMember", {
      CampaignId: campaign,
      ContactId: contactId,
    });
    expect(member).toMatchObject({
      HasResponded: false,
      FirstRespondedDate: null,
      LeadOrContactId: contactId,
    });
    const responded = sandbox.updateRecord("CampaignMember", member.Id as string, {
      Status: "Responded",
    });
    expect(responded.HasResponded).toBe(true);
    expect(responded.FirstRespondedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(
      await errorsOf("CampaignMember", { CampaignId: campaign, ContactId: contactId }),
    ).toEqual(["DUPLICATE_VALUE"]);
    expect(await errorsOf("CampaignMember", { CampaignId: campaign })).toEqual([
      "REQUIRED_FIELD_MISSING",
    ]);
  });

  it("deleting a Contact takes its activities and memberships; deleting an Individual clears IndividualId", async () => {
    const individual = sandbox.createRecord("Individual", { LastName: "Z" }).Id as string;
    const contact = sandbox.createRecord("Contact", { LastName: "Z", IndividualId: individual })
      .Id as string;
    const task = sandbox.createRecord("Task", { WhoId: contact }).Id as string;
    const consent = sandbox.createRecord("ContactPointTypeConsent", {
      Name: "c",
      PartyId: individual,
    }).Id as string;
    await conn.sobject("Individual").destroy([individual], { allOrNone: false });
    expect(sandbox.getRecord("Contact", contact)!.IndividualId).toBeNull();
    expect(sandbox.getRecord("ContactPointTypeConsent", consent)).toBeUndefined();
    const [deleted] = await conn.sobject("Contact").destroy([contact], { allOrNone: false });
    expect(deleted).toMatchObject({ success: true });
    expect(sandbox.getRecord("Task", task)).toBeUndefined();
    await expect(conn.sobject("Task").destroy(task)).rejects.toMatchObject({
      errorCode: "ENTITY_IS_DELETED",
    });
    expect(await errorsOf("Task", { WhoId: contact })).toEqual(["ENTITY_IS_DELETED"]);
  });
});
