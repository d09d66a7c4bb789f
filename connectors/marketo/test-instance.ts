import {
  createMarketoConnector,
  type MarketoConnector,
  type MarketoConnectorConfig,
} from "./index.ts";
import {
  type MarketoSandboxOptions,
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "./sandbox/index.ts";

/**
 * A simulated instance on a free loopback port with generous limits, and the connector on it
 * (retrying fast), for tests that are not about the limits.
 */
export async function startTestInstance(
  connector: Partial<MarketoConnectorConfig> = {},
  sandboxOptions: MarketoSandboxOptions = {},
): Promise<{ sandbox: RunningMarketoSandbox; connector: MarketoConnector }> {
  const sandbox = await startMarketoSandbox({
    port: 0,
    rateLimit: { requests: 1000, perMs: 1000 },
    ...sandboxOptions,
  });
  return {
    sandbox,
    connector: createMarketoConnector({
      baseUrl: sandbox.baseUrl,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      rateLimit: { requests: 900, perMs: 1000, concurrency: 5 },
      retry: { attempts: 3, baseMs: 10, maxMs: 50 },
      ...connector,
    }),
  };
}
