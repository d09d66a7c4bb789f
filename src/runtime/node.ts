import { createLogger } from "../logger.ts";
import { ConfigError, type HubConfig, loadConfig } from "./config.ts";
import { type Hub, startHub } from "./hub.ts";

const logger = createLogger();
let starting: Promise<Hub> | undefined;
let closing = false;

// Installed before anything starts, so a signal during start-up still drains and exits cleanly.
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  logger.info("shutting down, draining in-flight work", { signal });
  const hub = await starting?.catch(() => undefined);
  await hub?.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  const config = loadConfig(process.env);
  starting = startHub(config, { logger });
  const hub = await starting;
  if (!closing) process.stdout.write(`${await banner(hub, config)}\n`);
} catch (error) {
  process.stderr.write(`tsunagu cannot start: ${startupProblem(error)}\n`);
  process.exit(1);
}

async function banner(hub: Hub, config: HubConfig): Promise<string> {
  const lines = [
    `tsunagu is listening on ${hub.url}`,
    `  store: SQLite at ${config.dbPath}`,
    `  health: ${hub.url}/healthz   API docs: ${hub.url}/docs   OpenAPI: ${hub.url}/openapi.json`,
  ];
  for (const [system, sandbox] of Object.entries(hub.sandboxes)) {
    lines.push(
      `  ${system}: no credentials set, so the built-in ${system} simulator runs at ${sandbox.baseUrl}`,
    );
  }
  if (Object.keys(hub.sandboxes).length > 0) {
    lines.push(
      `  admin token: ${config.adminToken} (sandbox only; set TSUNAGU_ADMIN_TOKEN for real systems)`,
      `  try: curl -s -H "authorization: Bearer ${config.adminToken}" ${hub.url}/v1/contacts | head -c 600`,
    );
  }
  if (!process.env.TSUNAGU_NO_INITIAL_RUN) {
    const run = await hub.engine.jobs.submit("run", {});
    lines.push(`  initial sync: run ${run.id} (GET ${hub.url}/v1/runs/${run.id})`);
  }
  return lines.join("\n");
}

function startupProblem(error: unknown): string {
  if (error instanceof ConfigError || (error as Error).name === "MappingError")
    return (error as Error).message;
  const busy = error as NodeJS.ErrnoException & { port?: number };
  if (busy.code === "EADDRINUSE") {
    return `port ${busy.port} is in use (set PORT, TSUNAGU_SANDBOX_HUBSPOT_PORT or TSUNAGU_SANDBOX_SALESFORCE_PORT)`;
  }
  throw error;
}
