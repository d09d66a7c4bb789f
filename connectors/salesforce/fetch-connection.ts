/**
 * The connection over global fetch only, so it runs on Cloudflare Workers (workerd) as well
 * as Node: no node: modules, no Buffer, no streams. It sends the REST calls and bodies
 * jsforce 3.10.16 sends for the same methods and returns answers shaped as jsforce returns
 * them, one request per call (no retries: the client's `withRetry` is the one layer).
 */
import {
  type ConnectionFactory,
  type ConnectionOptions,
  parseApiUsage,
  type SalesforceConnection,
  type SalesforceDmlOptions,
  type SalesforceMergeRequest,
  type SalesforceMergeResult,
  type SalesforceQueryOptions,
  type SalesforceSObject,
} from "./connection.ts";
import { isErrorStatus, networkCode, SalesforceNetworkError, toApiError } from "./errors.ts";
import { mergeEnvelope, parseMergeResponse } from "./soap-merge.ts";

type Fields = Record<string, unknown>;

interface RawQueryResult {
  records?: unknown;
  totalSize?: unknown;
  done?: boolean;
  nextRecordsUrl?: string;
}

/**
 * A Collections record as jsforce builds it: `attributes.type` set, any `type` field dropped,
 * and `key` (`Id` for updates, the external id field for upserts) moved to the front as `as`;
 * without a key (creates) `Id` is dropped.
 */
function collectionRecord(type: string, record: Fields, key?: string, as = key): Fields {
  const { type: _type, attributes: _attributes, ...rest } = record;
  if (key === undefined || as === undefined) {
    const { Id: _id, ...fields } = rest;
    return { attributes: { type }, ...fields };
  }
  const { [key]: value, ...fields } = rest;
  if (!value) throw new Error(`${key} is not found in record.`);
  return { [as]: value, attributes: { type }, ...fields };
}

class FetchConnection implements SalesforceConnection {
  instanceUrl: string;
  accessToken: string | undefined;
  limitInfo: SalesforceConnection["limitInfo"] = {};
  readonly #version: string;
  readonly #timeoutMs: number;

  constructor(options: ConnectionOptions) {
    this.instanceUrl = options.instanceUrl;
    this.accessToken = options.accessToken;
    this.#version = options.version;
    this.#timeoutMs = options.timeoutMs;
  }

  query(soql: string, options: SalesforceQueryOptions = {}): Promise<unknown> {
    const resource = options.scanAll ? "queryAll" : "query";
    return this.#page(`${this.#base()}/${resource}?q=${encodeURIComponent(soql)}`, options.headers);
  }

  queryMore(locator: string, options: { headers?: Record<string, string> } = {}): Promise<unknown> {
    return this.#page(this.#locatorUrl(locator), options.headers);
  }

  sobject(type: string): SalesforceSObject {
    const collections = `${this.#base()}/composite/sobjects`;
    const allOrNone = (options: SalesforceDmlOptions = {}) => options.allOrNone === true;
    const save = async (
      method: "POST" | "PATCH",
      url: string,
      records: Fields[],
      options: SalesforceDmlOptions | undefined,
      key?: string,
      as?: string,
    ) =>
      records.length === 0
        ? []
        : this.#request(method, url, {
            allOrNone: allOrNone(options),
            records: records.map((r) => collectionRecord(type, r, key, as)),
          });
    return {
      retrieve: async (ids, options) =>
        ids.length === 0
          ? []
          : this.#request("POST", `${collections}/${type}`, { ids, fields: options.fields }),
      create: (records, options) => save("POST", collections, records, options),
      update: (records, options) => save("PATCH", collections, records, options, "Id", "id"),
      upsert: (records, extIdField, options) =>
        save("PATCH", `${collections}/${type}/${extIdField}`, records, options, extIdField),
      destroy: async (ids, options) =>
        ids.length === 0
          ? []
          : this.#request(
              "DELETE",
              `${collections}?ids=${ids.map(encodeURIComponent).join(",")}${allOrNone(options) ? "&allOrNone=true" : ""}`,
            ),
    };
  }

  async merge(requests: SalesforceMergeRequest[]): Promise<SalesforceMergeResult[]> {
    if (requests.length === 0) return [];
    const url = `${this.instanceUrl.replace(/\/+$/, "")}/services/Soap/u/${this.#version}`;
    const text = await this.#request(
      "POST",
      url,
      mergeEnvelope(this.accessToken, requests),
      { "content-type": "text/xml", SOAPAction: '""' },
      false,
    );
    return parseMergeResponse(String(text));
  }

  #base(): string {
    return `${this.instanceUrl.replace(/\/+$/, "")}/services/data/v${this.#version}`;
  }

  /** jsforce pages on `/query/{locator}`, for queryAll too (Salesforce serves both the same). */
  #locatorUrl(locator: string): string {
    return `${this.#base()}/query/${locator.split("/").pop()}`;
  }

  async #page(url: string, headers?: Record<string, string>): Promise<unknown> {
    const data = (await this.#request("GET", url, undefined, headers)) as
      | RawQueryResult
      | undefined;
    const locator = data?.nextRecordsUrl?.split("/").pop();
    return {
      records: data?.records,
      totalSize: data?.totalSize,
      done: data?.done ?? true,
      ...(locator ? { nextRecordsUrl: this.#locatorUrl(locator) } : {}),
    };
  }

  async #request(
    method: string,
    url: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
    json = true,
  ): Promise<unknown> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.accessToken && json) headers.Authorization = `Bearer ${this.accessToken}`;
    if (body !== undefined && json) headers["content-type"] = "application/json";
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: json ? JSON.stringify(body) : String(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (error) {
      // Unknown failures count as "may have been sent", so a create is never repeated blindly.
      const code = networkCode(error) ?? "ECONNRESET";
      const path = new URL(url).pathname;
      throw new SalesforceNetworkError(code, `Salesforce ${method} ${path} failed: ${code}`, {
        cause: error,
      });
    }
    const apiUsage = parseApiUsage(res.headers.get("sforce-limit-info"));
    if (apiUsage) this.limitInfo = { apiUsage };
    if (isErrorStatus(res.status))
      throw toApiError({ status: res.status, header: (name) => res.headers.get(name), body: text });
    if (res.status === 204) return undefined;
    if (!/^application\/json(;|$)/.test(res.headers.get("content-type") ?? "")) return text;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
}

export const fetchConnection: ConnectionFactory = (options) => new FetchConnection(options);
