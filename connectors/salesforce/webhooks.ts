/**
 * Salesforce Outbound Messages (workflow / flow "Send Outbound Message"): a SOAP 1.1 POST
 * of `notifications` carrying 1..100 `Notification{Id, sObject}`. The receiver must answer
 * `notificationsResponse{Ack:true}`; anything else is retried with back-off for 24 h, so
 * delivery is at-least-once and unordered: dedup on the Notification Id (our eventKey).
 * Spec: Salesforce "Outbound Messaging" guide (api.meta/sforce_api_om_outboundmessaging_*).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ChangeNotice, FieldValue } from "../contract.ts";

export const OUTBOUND_NAMESPACE = "http://soap.sforce.com/2005/09/outbound";
export const SOBJECT_NAMESPACE = "urn:sobject.enterprise.soap.sforce.com";
const ENVELOPE_ATTRS =
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

export class OutboundMessageError extends Error {
  override name = "OutboundMessageError";
}

export interface ParsedOutboundMessage {
  organizationId: string;
  actionId: string;
  notices: ChangeNotice[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === "Notification",
});

type Node = Record<string, unknown>;

function child(node: unknown, name: string, where: string): unknown {
  const value = node && typeof node === "object" ? (node as Node)[name] : undefined;
  if (value === undefined)
    throw new OutboundMessageError(`Outbound Message: missing ${name} in ${where}`);
  return value;
}

function text(node: unknown, name: string, where: string): string {
  const value = child(node, name, where);
  if (typeof value !== "string" || value === "") {
    throw new OutboundMessageError(`Outbound Message: missing ${name} in ${where}`);
  }
  return value;
}

/** Parses and checks an Outbound Message body; throws OutboundMessageError naming what is wrong. */
export function parseOutboundMessage(xml: string): ParsedOutboundMessage {
  const body = xml.replace(/^\uFEFF/, "");
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw new OutboundMessageError(
      `Outbound Message: malformed XML at line ${valid.err.line}: ${valid.err.msg}`,
    );
  }
  if (!body.includes(OUTBOUND_NAMESPACE)) {
    throw new OutboundMessageError(
      `Outbound Message: notifications is not in namespace ${OUTBOUND_NAMESPACE}`,
    );
  }
  const doc = parser.parse(body) as Node;
  const envelope = child(doc, "Envelope", "the document");
  const soapBody = child(envelope, "Body", "Envelope");
  const notifications = child(soapBody, "notifications", "Body");
  const organizationId = text(notifications, "OrganizationId", "notifications");
  const actionId = text(notifications, "ActionId", "notifications");
  const items = child(notifications, "Notification", "notifications") as unknown[];
  if (items.length > 100) {
    throw new OutboundMessageError(
      `Outbound Message: ${items.length} Notification elements (at most 100)`,
    );
  }
  const notices = items.map((item, index): ChangeNotice => {
    const where = `Notification[${index}]`;
    const eventKey = text(item, "Id", where);
    const sObject = child(item, "sObject", where) as Node;
    const xsiType = sObject["@_type"];
    if (typeof xsiType !== "string" || xsiType === "") {
      throw new OutboundMessageError(`Outbound Message: missing xsi:type on sObject in ${where}`);
    }
    const externalId = text(sObject, "Id", `${where}.sObject`);
    const fields: Record<string, FieldValue> = {};
    for (const [key, value] of Object.entries(sObject)) {
      if (key.startsWith("@_")) continue;
      // xsi:nil fields arrive as an element with only attributes.
      fields[key] = typeof value === "string" ? value : null;
    }
    const stamp = fields.SystemModstamp ?? fields.LastModifiedDate ?? fields.CreatedDate;
    const occurredAt = typeof stamp === "string" ? Date.parse(stamp) : Number.NaN;
    return {
      system: "salesforce",
      object: xsiType.replace(/^.*:/, ""),
      externalId,
      kind: "upsert",
      eventKey,
      occurredAt: Number.isNaN(occurredAt) ? Date.now() : occurredAt,
      detail: { fields, organizationId, actionId },
    };
  });
  return { organizationId, actionId, notices };
}

export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** The body that acknowledges a delivery (HTTP 200, text/xml). */
export function outboundAck(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope ${ENVELOPE_ATTRS}>
 <soapenv:Body>
  <notificationsResponse xmlns="${OUTBOUND_NAMESPACE}">
   <Ack>true</Ack>
  </notificationsResponse>
 </soapenv:Body>
</soapenv:Envelope>
`;
}

/** A SOAP fault (answer with HTTP 500): Salesforce will redeliver the message later. */
export function soapFault(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope ${ENVELOPE_ATTRS}>
 <soapenv:Body>
  <soapenv:Fault>
   <faultcode>soapenv:Client</faultcode>
   <faultstring>${xmlEscape(message)}</faultstring>
   <detail />
  </soapenv:Fault>
 </soapenv:Body>
</soapenv:Envelope>
`;
}

/** True when a receiver's answer is a `notificationsResponse` with `<Ack>true</Ack>`. */
export function isAckResponse(xml: string): boolean {
  const body = xml.replace(/^\uFEFF/, "");
  if (XMLValidator.validate(body) !== true) return false;
  const doc = parser.parse(body) as Node;
  const response = ((doc.Envelope as Node | undefined)?.Body as Node | undefined)
    ?.notificationsResponse;
  const ack = (response as Node | undefined)?.Ack;
  return typeof ack === "string" && ack.trim().toLowerCase() === "true";
}

export interface OutboundNotification {
  /** 18-char notification id (04l...); the same on every redelivery. */
  id: string;
  sObjectType: string;
  /** Record fields; nulls are left out, Id is written first. */
  fields: Record<string, FieldValue>;
}

export interface OutboundMessageInput {
  organizationId: string;
  actionId: string;
  sessionId: string;
  enterpriseUrl: string;
  partnerUrl: string;
  notifications: OutboundNotification[];
}

/** Builds a `notifications` request exactly shaped like Salesforce's (see the shared samples). */
export function buildOutboundMessage(input: OutboundMessageInput): string {
  const items = input.notifications.map((n) => {
    const fieldXml = Object.entries(n.fields)
      .filter(([name, value]) => name !== "Id" && value !== null && value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `     <sf:${name}>${xmlEscape(String(value))}</sf:${name}>`);
    return [
      "   <Notification>",
      `    <Id>${xmlEscape(n.id)}</Id>`,
      `    <sObject xsi:type="sf:${n.sObjectType}" xmlns:sf="${SOBJECT_NAMESPACE}">`,
      `     <sf:Id>${xmlEscape(String(n.fields.Id))}</sf:Id>`,
      ...fieldXml,
      "    </sObject>",
      "   </Notification>",
    ].join("\n");
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope ${ENVELOPE_ATTRS}>
 <soapenv:Body>
  <notifications xmlns="${OUTBOUND_NAMESPACE}">
   <OrganizationId>${xmlEscape(input.organizationId)}</OrganizationId>
   <ActionId>${xmlEscape(input.actionId)}</ActionId>
   <SessionId>${xmlEscape(input.sessionId)}</SessionId>
   <EnterpriseUrl>${xmlEscape(input.enterpriseUrl)}</EnterpriseUrl>
   <PartnerUrl>${xmlEscape(input.partnerUrl)}</PartnerUrl>
${items.join("\n")}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
`;
}

/**
 * Org ids come as 15-char (case-sensitive) or 18-char (15 + case-safe suffix) forms;
 * the same org may appear in both. Equal when both are 15/18 chars and the first 15
 * characters match exactly.
 */
export function sameOrgId(a: string, b: string): boolean {
  const ok = (id: string) => /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id);
  return ok(a) && ok(b) && a.slice(0, 15) === b.slice(0, 15);
}
