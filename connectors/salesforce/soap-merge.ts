/**
 * The SOAP `merge()` call for the fetch connection (jsforce has `conn.soap.merge`): the
 * Partner API envelope jsforce sends, and its MergeResults read back in jsforce's shape.
 * Docs: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm
 */
import { XMLParser } from "fast-xml-parser";
import type { SalesforceMergeRequest, SalesforceMergeResult } from "./connection.ts";

const PARTNER = "urn:partner.soap.sforce.com";

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function mergeEnvelope(sessionId: string | undefined, requests: SalesforceMergeRequest[]) {
  const header = sessionId
    ? `<SessionHeader><sessionId>${escapeXml(sessionId)}</sessionId></SessionHeader>`
    : "";
  const body = requests
    .map(
      (r) =>
        `<mergeRequests><masterRecord><type>${escapeXml(r.type)}</type><Id>${escapeXml(r.masterId)}</Id></masterRecord>${r.mergeIds
          .map((id) => `<recordToMergeIds>${escapeXml(id)}</recordToMergeIds>`)
          .join("")}</mergeRequests>`,
    )
    .join("");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    `<soapenv:Header xmlns="${PARTNER}">${header}</soapenv:Header>`,
    `<soapenv:Body xmlns="${PARTNER}"><merge>${body}</merge></soapenv:Body>`,
    "</soapenv:Envelope>",
  ].join("");
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ["result", "errors", "mergedRecordIds", "fields"].includes(name),
});

type Raw = Record<string, unknown>;
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String).filter((v) => v !== "") : [];

/** `<mergeResponse><result>...` as jsforce's schema cast makes it. */
export function parseMergeResponse(xml: string): SalesforceMergeResult[] {
  const doc = parser.parse(xml) as Raw;
  const body = (doc.Envelope as Raw | undefined)?.Body as Raw | undefined;
  const response = body?.mergeResponse as Raw | undefined;
  if (!response) throw new Error("Salesforce answered merge() without a mergeResponse");
  return ((response.result as Raw[] | undefined) ?? []).map((r) => ({
    id: typeof r.id === "string" && r.id !== "" ? r.id : null,
    success: r.success === "true",
    errors: ((r.errors as Raw[] | undefined) ?? []).map((e) => ({
      statusCode: String(e.statusCode ?? ""),
      message: String(e.message ?? ""),
      fields: texts(e.fields),
    })),
    mergedRecordIds: texts(r.mergedRecordIds),
  }));
}
