import { readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import {
  buildOutboundMessage,
  isAckResponse,
  OutboundMessageError,
  outboundAck,
  parseOutboundMessage,
  sameOrgId,
  soapFault,
} from "./webhooks.ts";

const sample = (name: string) =>
  readFileSync(path.resolve(process.cwd(), "../shared/specs/salesforce", name), "utf8");
const semantic = (xml: string) =>
  new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false }).parse(
    xml.replace(/^\uFEFF/, ""),
  );

describe("parseOutboundMessage", () => {
  it("parses the two-Contact sample into upsert notices keyed by Notification Id", () => {
    const parsed = parseOutboundMessage(sample("notifications-request.contact.xml"));
    expect(parsed.organizationId).toBe("012345678901234");
    expect(parsed.actionId).toBe("04k1I000000bmsHQAQ");
    expect(parsed.notices).toHaveLength(2);
    expect(parsed.notices[1]).toMatchObject({
      system: "salesforce",
      object: "Contact",
      kind: "upsert",
      externalId: "0031I0000081tb0QAA",
      eventKey: "04l1I000000fzt9QAA",
      occurredAt: Date.parse("2017-12-11T21:44:55.000Z"),
      detail: {
        fields: {
          Email: "drb24@cornell.edu",
          FirstName: "Doug",
          LastName: "Bunting",
          Title: "Supreme Being",
        },
      },
    });
  });

  it("parses the three-Lead sample (with BOM) and strips the sf: prefix from xsi:type", () => {
    const parsed = parseOutboundMessage(sample("notifications-request.lead-x3.xml"));
    expect(parsed.organizationId).toBe("0123456789ABCDENNN");
    expect(parsed.notices.map((n) => [n.object, n.externalId, n.eventKey])).toEqual([
      ["Lead1", "0123456789ABCDEEAE", "04l37000000L0E5AAK"],
      ["Lead2", "1123456789ABCDEEAE", "14l37000123L0E5AAK"],
      ["Lead3", "2123456789ABCDEEAE", "24l37123450L0E5AAK"],
    ]);
    expect(parsed.notices[0]!.detail!.fields).toMatchObject({
      IsConverted: "false",
      PostalCode: "98052",
    });
  });

  it("names the missing element in the empty sample", () => {
    expect(() => parseOutboundMessage(sample("notifications-request.empty.xml"))).toThrow(
      /missing OrganizationId/,
    );
  });

  it("rejects malformed XML and a notification without its record Id", () => {
    expect(() => parseOutboundMessage("<soapenv:Envelope><notifications>")).toThrow(
      OutboundMessageError,
    );
    expect(() => parseOutboundMessage("<soapenv:Envelope><notifications>")).toThrow(
      /malformed XML/,
    );
    const noId = sample("notifications-request.contact.xml").replace(
      "<sf:Id>0031I0000081tbPQAQ</sf:Id>",
      "",
    );
    expect(() => parseOutboundMessage(noId)).toThrow(/missing Id in Notification\[0\]\.sObject/);
    const wrongNs = sample("notifications-request.contact.xml").replaceAll(
      "http://soap.sforce.com/2005/09/outbound",
      "urn:x",
    );
    expect(() => parseOutboundMessage(wrongNs)).toThrow(/namespace/);
  });

  it("round-trips what buildOutboundMessage produces, escaping markup in values", () => {
    const xml = buildOutboundMessage({
      organizationId: "00D5g000004SbxQEAS",
      actionId: "04k5g0000000001AAA",
      sessionId: "x",
      enterpriseUrl: "http://127.0.0.1/services/Soap/c/62.0/00D5g000004SbxQ",
      partnerUrl: "http://127.0.0.1/services/Soap/u/62.0/00D5g000004SbxQ",
      notifications: [
        {
          id: "04l5g0000000001AAA",
          sObjectType: "Lead",
          fields: { Id: "00Q5g0000000001AAA", Company: "A&B <Ltd>", Email: null },
        },
      ],
    });
    const parsed = parseOutboundMessage(xml);
    expect(parsed.notices[0]).toMatchObject({
      object: "Lead",
      externalId: "00Q5g0000000001AAA",
      eventKey: "04l5g0000000001AAA",
    });
    expect(parsed.notices[0]!.detail!.fields).toEqual({
      Id: "00Q5g0000000001AAA",
      Company: "A&B <Ltd>",
    });
  });
});

describe("responses", () => {
  it("outboundAck matches the shared Ack sample semantically", () => {
    expect(semantic(outboundAck())).toEqual(semantic(sample("notificationsResponse-ack-true.xml")));
    expect(outboundAck()).toContain('xmlns="http://soap.sforce.com/2005/09/outbound"');
    expect(isAckResponse(sample("notificationsResponse-ack-true.xml"))).toBe(true);
    expect(isAckResponse(soapFault("no"))).toBe(false);
  });

  it("soapFault fills the template with the message escaped", () => {
    const expected = sample("soap-fault-response.template.xml").replace("{0}", "bad &lt;org&gt;");
    expect(semantic(soapFault("bad <org>"))).toEqual(semantic(expected));
  });
});

describe("sameOrgId", () => {
  it("compares 15- and 18-char org ids on their case-sensitive first 15 characters", () => {
    expect(sameOrgId("00D5g000004SbxQ", "00D5g000004SbxQEAS")).toBe(true);
    expect(sameOrgId("00D5g000004SbxQEAS", "00D5g000004SbxQeas")).toBe(true);
    expect(sameOrgId("00D5g000004SbxQ", "00D5g000004SBXQ")).toBe(false);
    expect(sameOrgId("00D5g000004SbxQ", "00D5g000004Sbx")).toBe(false);
    expect(sameOrgId("0123456789ABCDENNN", "012345678901234")).toBe(false);
  });
});
