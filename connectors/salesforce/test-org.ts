import { Connection } from "jsforce";
import type { ConnectionFactory } from "./connection.ts";
import { fetchConnection } from "./fetch-connection.ts";
import {
  createSalesforceConnector,
  type SalesforceConnector,
  type SalesforceConnectorOptions,
} from "./index.ts";
import { jsforceConnection } from "./jsforce-connection.ts";
import {
  type RunningSalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from "./sandbox/index.ts";

const CONNECTIONS: Record<string, ConnectionFactory> = {
  jsforce: jsforceConnection,
  fetch: fetchConnection,
};

/**
 * The connection the connector tests run on: `SALESFORCE_CONNECTION=fetch` or `jsforce`
 * (the default), so the whole suite can be run against either.
 */
export const testConnection: ConnectionFactory = (() => {
  const name = process.env.SALESFORCE_CONNECTION || "jsforce";
  const connect = CONNECTIONS[name];
  if (!connect)
    throw new Error(`SALESFORCE_CONNECTION must be one of ${Object.keys(CONNECTIONS).join(", ")}`);
  return connect;
})();

export interface TestOrg {
  sandbox: RunningSalesforceSandbox;
  /** The connector under test, on Lead and Contact (Email read), retrying fast. */
  sf: SalesforceConnector;
  /** A plain jsforce connection, to look at the org the way an admin would. */
  conn: Connection;
}

/** A simulated org on a free loopback port, with the connector and a jsforce connection to it. */
export async function startTestOrg(
  connector: Partial<SalesforceConnectorOptions> = {},
  sandboxOptions: SalesforceSandboxOptions = {},
): Promise<TestOrg> {
  const sandbox = await startSalesforceSandbox({ port: 0, ...sandboxOptions });
  const sf = createSalesforceConnector({
    connect: testConnection,
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    objects: ["Lead", "Contact"],
    fields: { Lead: ["Email"], Contact: ["Email"] },
    retry: { attempts: 2, baseMs: 5, maxMs: 10 },
    ...connector,
  });
  const conn = new Connection({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    version: "62.0",
  });
  return { sandbox, sf, conn };
}
