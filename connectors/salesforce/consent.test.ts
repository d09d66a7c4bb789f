import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConsentStatement } from "../contract.ts";
import type { SalesforceConnector } from "./index.ts";
import type { RunningSalesforceSandbox } from "./sandbox/index.ts";
import { startTestOrg } from "./test-org.ts";
import { outboundAck, parseOutboundMessage } from "./webhooks.ts";

let sandbox: RunningSalesforceSandbox;
let sf: SalesforceConnector;
let conn: Connection;

beforeAll(async () => {
  ({ sandbox, sf, conn } = await startTestOrg(
    {
      consent: {
        individual: {
          purposes: [
            { purpose: "newsletter", channel: "email", dataUsePurposeName: "Newsletter" },
            { purpose: "marketing", channel: "email", dataUsePurposeName: "Marketing" },
            { purpose: "marketing", channel: "sms", dataUsePurposeName: "Marketing" },
          ],
        },
      },
    },
    { outboundBatchDelayMs: 10 },
  ));
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.clearRequests());

const lead = (fields: Record<string, unknown> = {}) =>
  sandbox.createRecord("Lead", { LastName: "Tanaka", Company: "Acme", ...fields }).Id as string;
const purposeId = async (name: string) =>
  (await conn.query<{ Id: string }>(`SELECT Id FROM DataUsePurpose WHERE Name = '${name}'`))
    .records[0]!.Id;
const read = async (object: string, externalId: string) => {
  const [record] = await sf.readConsent([{ object, externalId }]);
  return record!.statements;
};
const find = (statements: ConsentStatement[], channel: string, purpose: string | null) =>
  statements.filter((s) => s.channel === channel && s.purpose === purpose);
const at = (iso: string) => Date.parse(iso);

describe("readConsent: opt-out boxes", () => {
  it("a checked HasOptedOutOfEmail is an explicit opt-out as of SystemModstamp", async () => {
    const id = lead({ HasOptedOutOfEmail: true });
    const stamp = Date.parse(
      String(sandbox.getRecord("Lead", id)!.SystemModstamp).replace("+0000", "Z"),
    );
    const [email] = find(await read("Lead", id), "email", null);
    expect(email).toEqual({
      channel: "email",
      purpose: null,
      state: "opted_out",
      explicit: true,
      occurredAt: stamp,
      evidence: { kind: "salesforce_field", ref: "HasOptedOutOfEmail" },
    });
  });

  it("unchecked boxes are implicit opt-ins, never presented as explicit", async () => {
    const id = sandbox.createRecord("Contact", { LastName: "Sato" }).Id as string;
    const statements = await read("Contact", id);
    expect(statements.map((s) => [s.channel, s.state, s.explicit])).toEqual([
      ["email", "opted_in", false],
      ["phone", "opted_in", false],
    ]);
    expect(statements.some((s) => s.explicit)).toBe(false);
  });

  it("missing and unknown records are absent from the answer", async () => {
    const id = lead();
    await conn.sobject("Lead").destroy(id);
    expect(await sf.readConsent([{ object: "Lead", externalId: id }])).toEqual([]);
  });
});

describe("readConsent: ContactPointTypeConsent per purpose", () => {
  it("OptIn/OptOut records become explicit statements; Seen and expired ones say nothing", async () => {
    const individual = sandbox.createRecord("Individual", { LastName: "Ito" }).Id as string;
    const id = lead({ IndividualId: individual });
    const newsletter = await purposeId("Newsletter");
    const marketing = await purposeId("Marketing");
    const consent = (fields: Record<string, unknown>) =>
      sandbox.createRecord("ContactPointTypeConsent", {
        Name: "c",
        PartyId: individual,
        ContactPointType: "Email",
        CaptureSource: "web form",
        ...fields,
      });
    consent({
      DataUsePurposeId: newsletter,
      PrivacyConsentStatus: "OptIn",
      EffectiveFrom: "2024-03-01T10:00:00.000Z",
      CaptureDate: "2024-02-01T10:00:00.000Z",
    });
    consent({
      DataUsePurposeId: marketing,
      PrivacyConsentStatus: "OptOut",
      CaptureDate: "2024-04-01T10:00:00.000Z",
    });
    consent({ DataUsePurposeId: marketing, PrivacyConsentStatus: "Seen" });
    consent({
      DataUsePurposeId: newsletter,
      PrivacyConsentStatus: "OptOut",
      EffectiveTo: "2020-01-01T00:00:00.000Z",
    });
    consent({
      DataUsePurposeId: marketing,
      ContactPointType: "Phone",
      PrivacyConsentStatus: "OptIn",
      EffectiveFrom: "2024-05-01T00:00:00.000Z",
    });
    const statements = await read("Lead", id);
    expect(find(statements, "email", "newsletter")).toEqual([
      expect.objectContaining({
        state: "opted_in",
        explicit: true,
        occurredAt: at("2024-03-01T10:00:00.000Z"),
        evidence: expect.objectContaining({ kind: "salesforce_consent", note: "web form" }),
      }),
    ]);
    expect(find(statements, "email", "marketing")).toEqual([
      expect.objectContaining({
        state: "opted_out",
        explicit: true,
        occurredAt: at("2024-04-01T10:00:00.000Z"),
      }),
    ]);
    expect(find(statements, "sms", "marketing")).toEqual([
      expect.objectContaining({ state: "opted_in", explicit: true }),
    ]);
  });

  it("disagreeing records for one purpose all come back (the hub merges)", async () => {
    const individual = sandbox.createRecord("Individual", { LastName: "Kato" }).Id as string;
    const id = lead({ IndividualId: individual });
    const newsletter = await purposeId("Newsletter");
    for (const [status, from] of [
      ["OptIn", "2024-01-01T00:00:00.000Z"],
      ["OptOut", "2024-06-01T00:00:00.000Z"],
    ] as const) {
      sandbox.createRecord("ContactPointTypeConsent", {
        Name: "c",
        PartyId: individual,
        DataUsePurposeId: newsletter,
        ContactPointType: "Email",
        PrivacyConsentStatus: status,
        EffectiveFrom: from,
      });
    }
    const states = find(await read("Lead", id), "email", "newsletter").map((s) => [
      s.state,
      s.occurredAt,
    ]);
    expect(states).toEqual(
      expect.arrayContaining([
        ["opted_in", at("2024-01-01T00:00:00.000Z")],
        ["opted_out", at("2024-06-01T00:00:00.000Z")],
      ]),
    );
  });
});

const statement = (over: Partial<ConsentStatement>): ConsentStatement => ({
  channel: "email",
  purpose: null,
  state: "opted_out",
  explicit: true,
  occurredAt: at("2025-01-02T03:04:05.000Z"),
  evidence: { kind: "hub" },
  ...over,
});

describe("writeConsent", () => {
  it("a channel opt-out checks the box, readConsent agrees, and repeating it sends nothing", async () => {
    const id = lead();
    const op = { ref: "g1", object: "Lead", externalId: id, statements: [statement({})] };
    expect(await sf.writeConsent([op])).toEqual([
      { ref: "g1", ok: true, externalId: id, created: false },
    ]);
    expect(find(await read("Lead", id), "email", null)[0]).toMatchObject({
      state: "opted_out",
      explicit: true,
    });
    sandbox.clearRequests();
    await sf.writeConsent([op]);
    const methods = sandbox.requests().map((r) => (r as { method: string }).method);
    expect(methods).not.toContain("PATCH");
    expect(methods).not.toContain("POST");
  });

  it("only an explicit channel opt-in unchecks the box; an implicit one changes nothing", async () => {
    const id = lead({ HasOptedOutOfEmail: true });
    const op = (explicit: boolean) => ({
      ref: "g",
      object: "Lead",
      externalId: id,
      statements: [statement({ state: "opted_in", explicit })],
    });
    await sf.writeConsent([op(false)]);
    expect(sandbox.getRecord("Lead", id)!.HasOptedOutOfEmail).toBe(true);
    await sf.writeConsent([op(true)]);
    expect(sandbox.getRecord("Lead", id)!.HasOptedOutOfEmail).toBe(false);
  });

  it("a purpose opt-out creates and links the Individual, then round-trips per purpose", async () => {
    const id = lead({ FirstName: "Yui" });
    const write = (state: ConsentStatement["state"], explicit = true) =>
      sf.writeConsent([
        {
          ref: "g2",
          object: "Lead",
          externalId: id,
          statements: [statement({ purpose: "newsletter", state, explicit })],
        },
      ]);
    expect((await write("opted_out"))[0]).toMatchObject({ ok: true });
    const individual = sandbox.getRecord("Lead", id)!.IndividualId as string;
    expect(individual).toMatch(/^0PK/);
    expect(sandbox.getRecord("Individual", individual)).toMatchObject({ FirstName: "Yui" });
    expect(sandbox.getRecord("Lead", id)!.HasOptedOutOfEmail).toBe(false);
    expect(find(await read("Lead", id), "email", "newsletter")).toEqual([
      expect.objectContaining({
        state: "opted_out",
        explicit: true,
        occurredAt: at("2025-01-02T03:04:05.000Z"),
      }),
    ]);
    await write("opted_in", false);
    expect(find(await read("Lead", id), "email", "newsletter")[0]!.state).toBe("opted_out");
    await write("opted_in");
    const after = find(await read("Lead", id), "email", "newsletter");
    expect(after.map((s) => s.state)).toEqual(["opted_in"]);
    const count = await conn.query(
      `SELECT COUNT() FROM ContactPointTypeConsent WHERE PartyId = '${individual}'`,
    );
    expect(count.totalSize).toBe(1);
  });

  it("Leads and Contacts share each call: one Individual create, one update per object, one consent write each", async () => {
    const shared = sandbox.createRecord("Individual", { LastName: "Both" }).Id as string;
    sandbox.createRecord("ContactPointTypeConsent", {
      Name: "Newsletter - Email",
      PartyId: shared,
      DataUsePurposeId: await purposeId("Newsletter"),
      ContactPointType: "Email",
      PrivacyConsentStatus: "OptIn",
    });
    const people = [
      ...Array.from({ length: 90 }, () => ["Lead", lead()] as const),
      ...Array.from(
        { length: 90 },
        () =>
          ["Contact", sandbox.createRecord("Contact", { LastName: "Sato" }).Id as string] as const,
      ),
      ["Lead", lead({ IndividualId: shared })] as const,
      [
        "Contact",
        sandbox.createRecord("Contact", { LastName: "Both", IndividualId: shared }).Id as string,
      ] as const,
    ];
    sandbox.clearRequests();
    const results = await sf.writeConsent(
      people.map(([object, externalId], i) => ({
        ref: String(i),
        object,
        externalId,
        statements: [statement({}), statement({ purpose: "newsletter" })],
      })),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const calls = sandbox.requests().map((r) => {
      const q = new URL(r.path, "http://x").searchParams.get("q");
      return q ? `GET ${/FROM (\w+)/.exec(q)![1]}` : r.method;
    });
    const count = (call: string) => calls.filter((c) => c === call).length;
    // Individuals and new consent records: one create call each; the shared record: one update.
    expect(count("POST")).toBe(2);
    expect(count("PATCH")).toBe(3);
    expect([count("GET Lead"), count("GET Contact"), count("GET ContactPointTypeConsent")]).toEqual(
      [1, 1, 1],
    );
    for (const [object, id] of people)
      expect(sandbox.getRecord(object, id)).toMatchObject({
        HasOptedOutOfEmail: true,
        IndividualId: expect.stringMatching(/^0PK/),
      });
    const sharedConsent = await conn.query<{ PrivacyConsentStatus: string }>(
      `SELECT PrivacyConsentStatus FROM ContactPointTypeConsent WHERE PartyId = '${shared}'`,
    );
    expect(sharedConsent.records.map((r) => r.PrivacyConsentStatus)).toEqual(["OptOut"]);
  });

  it("one result per op: unknown people and objects fail on their own", async () => {
    const ok = lead();
    const gone = lead();
    await conn.sobject("Lead").destroy(gone);
    const results = await sf.writeConsent([
      { ref: "a", object: "Lead", externalId: ok, statements: [statement({})] },
      { ref: "b", object: "Lead", externalId: gone, statements: [statement({})] },
      { ref: "c", object: "Account", externalId: ok, statements: [statement({})] },
    ]);
    expect(results.map((r) => [r.ref, r.ok, r.error?.code])).toEqual([
      ["a", true, undefined],
      ["b", false, "NOT_FOUND"],
      ["c", false, "UNSUPPORTED_OBJECT"],
    ]);
  });
});

describe("Outbound Messages for consent changes", () => {
  let server: Server;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push(body);
        res.writeHead(200, { "content-type": "text/xml" }).end(outboundAck());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a ContactPointTypeConsent change notifies the linked Lead; an Individual edit does not", async () => {
    const individual = sandbox.createRecord("Individual", { LastName: "Mori" }).Id as string;
    const id = lead({ IndividualId: individual });
    await fetch(`${sandbox.baseUrl}/_sandbox/webhook`, {
      method: "PUT",
      body: JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    });
    sandbox.updateRecord("Individual", individual, { HasOptedOutSolicit: true });
    sandbox.createRecord("ContactPointTypeConsent", {
      Name: "c",
      PartyId: individual,
      ContactPointType: "Email",
      PrivacyConsentStatus: "OptOut",
    });
    await sandbox.webhooksIdle();
    const notices = received.flatMap((xml) => parseOutboundMessage(xml).notices);
    expect(notices.map((n) => [n.object, n.externalId])).toEqual([["Lead", id]]);
  });
});
