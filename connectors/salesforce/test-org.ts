import { Connection } from "jsforce";
import {
  createSalesforceConnector,
  type SalesforceConnector,
  type SalesforceConnectorOptions,
} from "./index.ts";
import {
  type RunningSalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from "./sandbox/index.ts";

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
