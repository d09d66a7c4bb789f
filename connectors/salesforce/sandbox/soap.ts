/**
 * The Partner SOAP API's `merge()` at `POST /services/Soap/u/{version}` (the REST API has no
 * merge): `<merge><mergeRequests><masterRecord><type/><Id/></masterRecord>
 * <recordToMergeIds/>...</mergeRequests>...</merge>` with the session in `SessionHeader`,
 * answered by one `<result>` per request (MergeResult: errors, id, mergedRecordIds, success,
 * updatedRelatedIds). Up to 200 requests a call; each request is its own transaction. A
 * refused call is an HTTP 500 SOAP fault. Any other operation is a fault too (not simulated).
 * Docs: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm
 */
import { XMLParser } from "fast-xml-parser";
import type { Context, Hono } from "hono";
import type { OrgStore, RecordError } from "./store.ts";

export interface SoapContext {
  store: OrgStore;
  /** Whether the session id is valid. */
  accepts(sessionId: string | undefined): boolean;
  /** Counts the call against the daily allocation; false when it is spent. */
  take(): boolean;
  /** An injected fault aimed at this path (`pathPrefix: "/services/Soap"`), taken once. */
  fault(path: string): { errorCode?: string; message?: string } | undefined;
}

const MAX_REQUESTS = 200;
const SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/";

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ["mergeRequests", "recordToMergeIds"].includes(name),
});

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAPENV}" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

function fault(c: Context, code: string, message: string, client = false): Response {
  const faultcode = client ? "soapenv:Client" : `sf:${code}`;
  const body = `<soapenv:Fault><faultcode>${faultcode}</faultcode><faultstring>${escapeXml(`${code}: ${message}`)}</faultstring></soapenv:Fault>`;
  return c.body(envelope(body), 500, { "content-type": "text/xml; charset=utf-8" });
}

type Raw = Record<string, unknown>;

function resultXml(masterId: string, mergeIds: string[], error: RecordError | undefined): string {
  if (error)
    return `<result><errors>${error.fields.map((f) => `<fields>${escapeXml(f)}</fields>`).join("")}<message>${escapeXml(error.message)}</message><statusCode>${error.statusCode}</statusCode></errors><id xsi:nil="true"/><success>false</success></result>`;
  return `<result><id>${escapeXml(masterId)}</id>${mergeIds.map((id) => `<mergedRecordIds>${escapeXml(id)}</mergedRecordIds>`).join("")}<success>true</success></result>`;
}

export function registerSoapRoutes(app: Hono, ctx: SoapContext): void {
  app.post("/services/Soap/u/:version", async (c) => {
    let doc: Raw;
    try {
      doc = parser.parse(await c.req.text()) as Raw;
    } catch {
      return fault(c, "INVALID_XML", "The request is not well-formed XML", true);
    }
    const env = (doc.Envelope ?? {}) as Raw;
    const sessionId = ((env.Header as Raw | undefined)?.SessionHeader as Raw | undefined)
      ?.sessionId;
    if (!ctx.accepts(typeof sessionId === "string" ? sessionId : undefined))
      return fault(
        c,
        "INVALID_SESSION_ID",
        "Invalid Session ID found in SessionHeader: Illegal Session",
      );
    const injected = ctx.fault(new URL(c.req.url).pathname);
    if (injected)
      return fault(
        c,
        injected.errorCode ?? "SERVER_UNAVAILABLE",
        injected.message ?? "Injected fault",
      );
    const body = (env.Body ?? {}) as Raw;
    const call = body.merge as Raw | undefined;
    if (!call) return fault(c, "INVALID_OPERATION", "No operation available for request", true);
    if (!ctx.take()) return fault(c, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    const requests = (call.mergeRequests as Raw[] | undefined) ?? [];
    if (requests.length > MAX_REQUESTS)
      return fault(
        c,
        "LIMIT_EXCEEDED",
        `Exceeded max size limit of ${MAX_REQUESTS} with request size of ${requests.length}`,
      );
    const results = requests.map((request) => {
      const master = (request.masterRecord ?? {}) as Raw;
      const type = String(master.type ?? "");
      const masterId = String(master.Id ?? "");
      const mergeIds = ((request.recordToMergeIds as unknown[] | undefined) ?? []).map(String);
      if (type !== "Lead" && type !== "Contact")
        return resultXml(masterId, mergeIds, {
          statusCode: "INVALID_TYPE",
          message: `Cannot merge records of type ${type || "(none)"}`,
          fields: [],
        });
      const error = ctx.store.mergeError(type, masterId, mergeIds);
      if (!error) ctx.store.merge(type, masterId, mergeIds);
      return resultXml(masterId, mergeIds, error);
    });
    return c.body(envelope(`<mergeResponse>${results.join("")}</mergeResponse>`), 200, {
      "content-type": "text/xml; charset=utf-8",
    });
  });
}
