import { createLogger } from "../logger.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { startHub } from "./hub.ts";

const logger = createLogger();

try {
  const config = loadConfig(process.env);
  const hub = await startHub(config, { logger });
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
  process.stdout.write(`${lines.join("\n")}\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info("shutting down, draining in-flight work", { signal });
    await hub.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError || (error as Error).name === "MappingError") {
    process.stderr.write(`tsunagu cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  throw error;
}
