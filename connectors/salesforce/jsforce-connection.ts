/**
 * The connection over jsforce (Node only: node-fetch, streams, Node http). jsforce 3.10.16
 * retries 420/429/5xx and socket errors by itself for GET/PUT/HEAD/OPTIONS/DELETE
 * (src/request.ts, up to 5 times, 420 twice regardless); we switch that off per request
 * (`retry.methods: []`) through a thin transport wrapper, which also turns every HTTP error
 * into a SalesforceApiError that keeps the status code (jsforce's own HttpApiError drops it
 * and copies HTML bodies into the message). The client's `withRetry` is the one retry layer.
 */
import { Connection, type HttpRequest, type QueryOptions } from "jsforce";
import {
  type ConnectionFactory,
  parseApiUsage,
  type SalesforceConnection,
  type SalesforceDmlOptions,
  type SalesforceMergeResult,
} from "./connection.ts";
import { isErrorStatus, toApiError } from "./errors.ts";

/** Replaces the connection's transport: no jsforce retries, a timeout, typed HTTP errors. */
function installSingleRetryLayer(conn: Connection, timeoutMs: number): void {
  const inner = conn._transport;
  const wrapper = {
    httpRequest(req: HttpRequest, options: Parameters<typeof inner.httpRequest>[1] = {}) {
      const sp = inner.httpRequest(req, {
        ...options,
        timeout: timeoutMs,
        retry: { ...options.retry, methods: [], maxRetries: 0 },
      });
      const checked = sp.then((res) => {
        if (!isErrorStatus(res.statusCode)) return res;
        // jsforce reads the usage only from answers it sees; errors never reach it.
        const apiUsage = parseApiUsage(res.headers["sforce-limit-info"]);
        if (apiUsage) conn.limitInfo = { apiUsage };
        throw toApiError({
          status: res.statusCode,
          header: (name) => res.headers[name],
          body: res.body,
        });
      });
      return Object.assign(checked, { stream: () => sp.stream() });
    },
    getRequestStreamCreator: () => inner.getRequestStreamCreator(),
  };
  conn._transport = wrapper as unknown as typeof inner;
}

/**
 * jsforce gets no OAuth client and no refreshFn, so it never refreshes by itself (its
 * refresh re-sends without bound and would be a second retry layer); the client renews.
 */
export const jsforceConnection: ConnectionFactory = (options) => {
  const conn = new Connection({
    instanceUrl: options.instanceUrl,
    ...(options.accessToken ? { accessToken: options.accessToken } : {}),
    version: options.version,
  });
  installSingleRetryLayer(conn, options.timeoutMs);
  const dml = (o: SalesforceDmlOptions = {}) => ({ allOrNone: o.allOrNone === true });
  // jsforce's query objects are thenables that run on `then`: each call builds a fresh one.
  const connection: SalesforceConnection = {
    get instanceUrl() {
      return conn.instanceUrl;
    },
    set instanceUrl(url) {
      conn.instanceUrl = url;
    },
    get accessToken() {
      return conn.accessToken ?? undefined;
    },
    set accessToken(token) {
      conn.accessToken = token;
    },
    get limitInfo() {
      return conn.limitInfo;
    },
    query: async (soql, o = {}) =>
      await conn.query(soql, { headers: o.headers ?? {}, scanAll: o.scanAll === true }),
    queryMore: async (locator, o = {}) =>
      await conn.queryMore(locator, { headers: o.headers ?? {} } as QueryOptions),
    async merge(requests) {
      if (requests.length === 0) return [];
      // jsforce's SOAP client posts through the same transport: one try, typed faults.
      const results: unknown = await conn.soap.merge(
        requests.map((r) => ({
          masterRecord: { type: r.type, Id: r.masterId },
          recordToMergeIds: r.mergeIds,
        })) as unknown as Parameters<typeof conn.soap.merge>[0],
      );
      return (Array.isArray(results) ? results : [results]).map(
        (r: Partial<SalesforceMergeResult>) => ({
          id: r.id ?? null,
          success: r.success === true,
          errors: r.errors ?? [],
          mergedRecordIds: r.mergedRecordIds ?? [],
        }),
      );
    },
    sobject(type) {
      const sobject = conn.sobject(type);
      return {
        retrieve: (ids, o) => sobject.retrieve(ids, { fields: o.fields }),
        create: (records, o) => sobject.create(records, dml(o)),
        update: (records, o) => sobject.update(records, dml(o)),
        upsert: (records, extIdField, o) => sobject.upsert(records, extIdField, dml(o)),
        destroy: (ids, o) => sobject.destroy(ids, dml(o)),
      };
    },
  };
  return connection;
};
