/**
 * The part of a Salesforce REST connection the connector uses, implemented over jsforce
 * (`jsforce-connection.ts`, Node) and over global fetch (`fetch-connection.ts`, Node and
 * Workers). Answers are the wire JSON as jsforce returns it; callers validate them with the
 * schemas in `api-types.ts`. Every implementation sends each call once (no retries of its
 * own), honours `timeoutMs` per request, throws `SalesforceApiError` for HTTP errors and
 * `networkCode`-classifiable errors for network failures.
 */

export interface ApiUsage {
  used: number;
  limit: number;
}

export interface SalesforceQueryOptions {
  headers?: Record<string, string>;
  /** `/queryAll`: also deleted and merged-away records. */
  scanAll?: boolean;
}

export interface SalesforceDmlOptions {
  allOrNone?: boolean;
}

/** sObject Collections calls on one object type, at most 200 records (2,000 ids to retrieve). */
export interface SalesforceSObject {
  /** `POST /composite/sobjects/{type}` `{ids, fields}`: one record or null per id. */
  retrieve(ids: string[], options: { fields: string[] }): Promise<unknown>;
  /** `POST /composite/sobjects`: one save result per record. */
  create(records: Array<Record<string, unknown>>, options?: SalesforceDmlOptions): Promise<unknown>;
  /** `PATCH /composite/sobjects`; each record carries its `Id`. */
  update(
    records: Array<Record<string, unknown> & { Id: string }>,
    options?: SalesforceDmlOptions,
  ): Promise<unknown>;
  /** `PATCH /composite/sobjects/{type}/{extIdField}`. */
  upsert(
    records: Array<Record<string, unknown>>,
    extIdField: string,
    options?: SalesforceDmlOptions,
  ): Promise<unknown>;
  /** `DELETE /composite/sobjects?ids=...`. */
  destroy(ids: string[], options?: SalesforceDmlOptions): Promise<unknown>;
}

/** One request of the SOAP API's `merge()`: up to two records folded into the master, one type. */
export interface SalesforceMergeRequest {
  type: string;
  masterId: string;
  mergeIds: string[];
}

/** A MergeResult as jsforce returns it (`success` a boolean, lists always arrays). */
export interface SalesforceMergeResult {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields?: string[] | null }>;
  mergedRecordIds: string[];
}

export interface SalesforceConnection {
  /** Read on every request, so a renewed session applies to the next call. */
  instanceUrl: string;
  accessToken: string | undefined;
  /** From the last `Sforce-Limit-Info: api-usage=N/M` header seen. */
  readonly limitInfo: { apiUsage?: ApiUsage };
  /** `{totalSize, done, records, nextRecordsUrl?}`; `nextRecordsUrl` is absolute, as jsforce makes it. */
  query(soql: string, options?: SalesforceQueryOptions): Promise<unknown>;
  /** The next page: a locator or a `nextRecordsUrl` (only its last segment is used). */
  queryMore(locator: string, options?: { headers?: Record<string, string> }): Promise<unknown>;
  sobject(type: string): SalesforceSObject;
  /**
   * SOAP `merge()` (Partner API, `/services/Soap/u/{version}`; the REST API has no merge):
   * up to 200 requests a call, one MergeResult each; a refused call is a SOAP fault.
   */
  merge(requests: SalesforceMergeRequest[]): Promise<SalesforceMergeResult[]>;
}

export interface ConnectionOptions {
  instanceUrl: string;
  accessToken?: string;
  /** API version without the "v", e.g. "62.0". */
  version: string;
  timeoutMs: number;
}

export type ConnectionFactory = (options: ConnectionOptions) => SalesforceConnection;

/** The `Sforce-Limit-Info` header's daily usage, if it has one. */
export function parseApiUsage(header: string | null | undefined): ApiUsage | undefined {
  const m = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}
