import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { type Sandboxes, type SandboxPlan, startSandboxes } from "../../src/sandbox/start.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const run = promisify(execFile);
const quiet = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

export const ADMIN_TOKEN = "workers-admin-token";

/** The Worker as `wrangler deploy` would upload it (same bundler, same wrangler.toml). */
export async function buildWorker(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "tsunagu-worker-"));
  await run(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, env: quiet });
  return outdir;
}

/** A local D1 database with the migrations applied by `wrangler d1 migrations apply`. */
export async function migratedD1(): Promise<string> {
  const persistTo = mkdtempSync(join(tmpdir(), "tsunagu-d1-"));
  await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    cwd: ROOT,
    env: quiet,
  });
  return persistTo;
}

/** Every system simulated on loopback, with webhook retries quick enough for tests. */
export function startSimulators(people: number, plan: Partial<SandboxPlan> = {}) {
  return startSandboxes({
    people,
    hubspot: { port: 0, webhookRetryBaseMs: 50, ...plan.hubspot },
    salesforce: { port: 0, outboundRetryBaseMs: 50, ...plan.salesforce },
    marketo: { port: 0, ...plan.marketo },
  });
}

/** The Worker's vars and secrets pointing it at the simulators as if they were the real APIs. */
export function credentialsFor(sandboxes: Sandboxes): Record<string, string> {
  const { hubspot, salesforce, marketo } = sandboxes;
  return {
    TSUNAGU_ADMIN_TOKEN: ADMIN_TOKEN,
    HUBSPOT_ACCESS_TOKEN: hubspot!.accessToken,
    HUBSPOT_CLIENT_SECRET: hubspot!.clientSecret,
    HUBSPOT_BASE_URL: hubspot!.baseUrl,
    SALESFORCE_INSTANCE_URL: salesforce!.baseUrl,
    SALESFORCE_ACCESS_TOKEN: salesforce!.accessToken,
    SALESFORCE_ORG_ID: salesforce!.organizationId,
    MARKETO_BASE_URL: marketo!.baseUrl,
    MARKETO_CLIENT_ID: marketo!.clientId,
    MARKETO_CLIENT_SECRET: marketo!.clientSecret,
    MARKETO_WEBHOOK_SECRET: marketo!.webhookSecret,
  };
}

export interface WorkerHubOptions {
  bundle: string;
  persistTo: string;
  vars: Record<string, string>;
  /**
   * A second isolate of the same script, consuming its own job queue and sharing D1 and the
   * RateGate object with the first: two consumers running at once, as Queues scales out.
   */
  secondIsolate?: boolean;
  /**
   * The second isolate also consumes its own notices queue (webhooks sent to it are processed
   * by it), as two consumer invocations of one queue would run at once when Queues scales out.
   */
  ownNotices?: boolean;
}

/**
 * The hub in workerd (Miniflare 3 drives the runtime that ships as the `workerd` package),
 * configured from wrangler.toml, with D1 persisted where `migratedD1` applied the migrations.
 */
export async function startWorkerHub(options: WorkerHubOptions) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  const script = {
    modules: true,
    scriptPath: join(options.bundle, "index.js"),
    modulesRoot: options.bundle,
  } as const;
  const first = {
    ...workerOptions,
    ...script,
    name: "tsunagu",
    bindings: { ...workerOptions.bindings, ...options.vars },
  } as WorkerOptions;
  const workers: WorkerOptions[] = [first];
  if (options.secondIsolate) {
    // Miniflare 3 sets up an (empty) rate-limit service per worker that declares `ratelimits`,
    // under one name: a second declaration fails the start.
    const { ratelimits: _, ...shared } = first as WorkerOptions & { ratelimits?: unknown };
    const consumers = workerOptions.queueConsumers as Record<string, object>;
    const notices = options.ownNotices
      ? {
          vars: { TSUNAGU_NOTICES_QUEUE: "tsunagu-notices-2" },
          producers: { NOTICES: { queueName: "tsunagu-notices-2" } },
          consumers: { "tsunagu-notices-2": consumers["tsunagu-notices"]! },
        }
      : { vars: {}, producers: {}, consumers: {} };
    workers.push({
      ...shared,
      name: "tsunagu-2",
      bindings: { ...first.bindings, TSUNAGU_JOBS_QUEUE: "tsunagu-jobs-2", ...notices.vars },
      queueProducers: {
        ...workerOptions.queueProducers,
        JOBS: { queueName: "tsunagu-jobs-2" },
        ...notices.producers,
      },
      queueConsumers: { "tsunagu-jobs-2": consumers["tsunagu-jobs"]!, ...notices.consumers },
      durableObjects: { RATE_GATE: { className: "RateGate", scriptName: "tsunagu" } },
    } as WorkerOptions);
  }
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    d1Persist: join(options.persistTo, "v3", "d1"),
    workers,
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (await mf.ready).toString().replace(/\/$/, "");

  async function api(
    path: string,
    init: RequestInit & { json?: unknown; isolate?: "tsunagu" | "tsunagu-2" } = {},
  ) {
    const { json, isolate, ...rest } = init;
    const request = {
      ...rest,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        "content-type": "application/json",
        ...rest.headers,
      },
      ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? "POST" } : {}),
    };
    const send = async () =>
      isolate === "tsunagu-2"
        ? await (await mf.getWorker("tsunagu-2")).fetch(`${url}${path}`, request as never)
        : await fetch(`${url}${path}`, request);
    // Polling reuses keep-alive sockets, which the runtime's front may close at the same
    // moment ("other side closed"): a read is simply asked again.
    const response = await send().catch((error: unknown) => {
      if ((request.method ?? "GET") !== "GET") throw error;
      return send();
    });
    const text = await response.text();
    if (!/json/.test(response.headers.get("content-type") ?? ""))
      throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return { status: response.status, body: JSON.parse(text) };
  }

  return {
    url,
    mf,
    api,
    /** Fires a Cron Trigger the way Cloudflare does (the `scheduled` handler with its cron). */
    async cron(cron: string) {
      const worker = await mf.getWorker();
      await (worker as unknown as { scheduled(c: { cron: string }): Promise<unknown> }).scheduled({
        cron,
      });
    },
    close: () => mf.dispose(),
  };
}

export type WorkerHub = Awaited<ReturnType<typeof startWorkerHub>>;

/** Stops the runtime and the simulators, and removes the temporary folders. */
export async function shutdown(
  hub: WorkerHub | undefined,
  sandboxes: Sandboxes | undefined,
  ...dirs: (string | undefined)[]
) {
  await hub?.close();
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
}
