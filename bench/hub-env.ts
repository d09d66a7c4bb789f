/**
 * The hub's environment for simulators the bench started itself (in this process, or in
 * bench/sandboxes-process.ts): real-credential variables pointing at them, so the hub
 * starts no simulators of its own.
 */

/** How to reach each simulator: what the running sandboxes (or the child's JSON) expose. */
export interface SimulatorInfo {
  hubspot: { baseUrl: string; accessToken: string; clientSecret: string };
  salesforce: { baseUrl: string; accessToken: string; organizationId: string };
  marketo: { baseUrl: string; clientId: string; clientSecret: string; webhookSecret: string };
}

/** Connector throttles far above anything a loopback run reaches: the hub's own work shows. */
export const LIFTED_HUB_LIMITS: Record<string, string> = {
  HUBSPOT_REQUESTS_PER_10S: "90000",
  HUBSPOT_SEARCH_PER_SECOND: "900",
  SALESFORCE_REQUESTS_PER_SECOND: "100000",
  MARKETO_REQUESTS_PER_WINDOW: "10000000",
  MARKETO_RATE_WINDOW_MS: "20000",
  MARKETO_CONCURRENCY: "10",
};

/** Simulator limits to match LIFTED_HUB_LIMITS (options of the three start functions). */
export const LIFTED_SANDBOX_LIMITS = {
  hubspot: { rateLimit: { requests: 100_000, perMs: 10_000 }, searchPerSecond: 1000 },
  salesforce: { dailyApiLimit: 100_000_000 },
  marketo: { rateLimit: { requests: 10_000_000, perMs: 20_000 }, dailyQuota: 100_000_000 },
};

export function hubEnv(
  sims: SimulatorInfo,
  db: string,
  limits: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: "0",
    TSUNAGU_ADMIN_TOKEN: "bench",
    TSUNAGU_DB: db,
    HUBSPOT_ACCESS_TOKEN: sims.hubspot.accessToken,
    HUBSPOT_CLIENT_SECRET: sims.hubspot.clientSecret,
    HUBSPOT_BASE_URL: sims.hubspot.baseUrl,
    SALESFORCE_INSTANCE_URL: sims.salesforce.baseUrl,
    SALESFORCE_ACCESS_TOKEN: sims.salesforce.accessToken,
    SALESFORCE_ORG_ID: sims.salesforce.organizationId,
    MARKETO_BASE_URL: sims.marketo.baseUrl,
    MARKETO_CLIENT_ID: sims.marketo.clientId,
    MARKETO_CLIENT_SECRET: sims.marketo.clientSecret,
    MARKETO_WEBHOOK_SECRET: sims.marketo.webhookSecret,
    ...limits,
  };
}
