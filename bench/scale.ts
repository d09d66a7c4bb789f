/**
 * `node --import tsx bench/scale.ts [100k|1m|all]` (not part of `npm run bench`: the 1M
 * legs take long): how time and memory grow with the size of the job.
 *
 * Legs, per size (100k, 1m, or both for "all", the default; a plain number runs that size):
 * - import: a CSV of that many FEBRL-shaped rows (./febrl-rows.ts, as bench/import.ts)
 *   streamed over HTTP into the hub, as `tsunagu import` sends it;
 * - backfill: that many contacts from the HubSpot simulator into Salesforce + Marketo
 *   (read, resolve, match, merge, score, plan, push), with throttles lifted on both sides
 *   (./hub-env.ts), so the figures are the hub's work, not the APIs' waits.
 * Each leg gets a fresh hub (SQLite in a temp folder) and fresh simulators. The simulators
 * run in a child process (./sandboxes-process.ts), so the RSS printed, this process's, is
 * the hub's: its HTTP thread and the engine's worker thread. The V8 heap printed is this
 * (HTTP) thread's only: Node 20 offers no way to read another thread's heap from here.
 *
 * Printed per leg: total time, rows (or contacts) per second, RSS and V8 heap when the job
 * passed each tenth of its rows, and the peak RSS sampled during the leg (every 100 ms).
 * Caveat for the 1M backfill: the HubSpot simulator answers each search by scanning and
 * sorting every contact modified since the cursor (about 0.7 s a page at the start with a
 * million contacts, 0.07 s with 100k), and the backfill's searches are sequential, so at
 * 1M the simulator's search, not the hub, sets much of the pace early in the read.
 * BENCH_SCALE_BUDGET_S (default: none) stops a leg after that many seconds (the job is
 * cancelled after its page in flight) and reports the tenths reached, for the 1M legs on
 * a small machine; BENCH_SCALE_LEGS=import or =backfill runs one kind of leg only.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { startImport } from "../src/cli/client.ts";
import { createLogger } from "../src/logger.ts";
import { loadConfig } from "../src/runtime/config.ts";
import { type Hub, startHub } from "../src/runtime/hub.ts";
import { writeFebrlCsv } from "./febrl-rows.ts";
import { hubEnv, LIFTED_HUB_LIMITS, type SimulatorInfo } from "./hub-env.ts";

const which = process.argv[2] ?? "all";
const SIZES: Record<string, number[]> = {
  "100k": [100_000],
  "1m": [1_000_000],
  all: [100_000, 1_000_000],
};
// A plain number (e.g. 20000) runs one size: a quick check of the script itself.
const sizes = SIZES[which] ?? (/^\d+$/.test(which) ? [Number(which)] : undefined);
if (!sizes) throw new Error(`usage: bench/scale.ts [100k|1m|all], not "${which}"`);
const LEGS = (process.env.BENCH_SCALE_LEGS ?? "import,backfill").split(",");
const BUDGET_MS = Number(process.env.BENCH_SCALE_BUDGET_S ?? Number.POSITIVE_INFINITY) * 1000;

const mib = (bytes: number) => (bytes / (1 << 20)).toFixed(0);
const count = (n: number) => n.toLocaleString("en-US");

/** The simulators' child process: its SimulatorInfo, and its counts on request. */
interface Simulators {
  info: SimulatorInfo & { seedMs: number };
  stats(): Promise<{
    hubspotContacts: number;
    marketoLeads: number;
    salesforceApiCalls: number;
    rss: number;
  }>;
  close(): Promise<void>;
}

async function startSimulators(contacts: number): Promise<Simulators> {
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "sandboxes-process.ts"), String(contacts)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      child.once("exit", (code) => reject(new Error(`simulators exited (${code})`)));
    });
  const info = JSON.parse(await next()) as Simulators["info"];
  return {
    info,
    async stats() {
      const answer = next();
      child.stdin.write("stats\n");
      return JSON.parse(await answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
}

interface LegResult {
  name: string;
  total: number;
  done: number;
  status: string;
  ms: number;
  tenths: { rss: number; heap: number }[];
  rssStart: number;
  rssPeak: number;
  notes: string[];
}

/**
 * Starts a hub on the simulators, runs the job `submit` starts, and samples memory until
 * it ends (or the budget is spent: then it is cancelled); progress.read says how far it is.
 */
async function runLeg(
  tag: string,
  name: string,
  total: number,
  sims: Simulators,
  submit: (hub: Hub, token: string) => Promise<string>,
): Promise<LegResult> {
  const dir = mkdtempSync(join(tmpdir(), "tsunagu-scale-"));
  const config = loadConfig(hubEnv(sims.info, join(dir, "hub.db"), LIFTED_HUB_LIMITS));
  const hub = await startHub(config, { logger: createLogger({ silent: true }), schedule: false });
  global.gc?.();
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 100);
  const tenths: LegResult["tenths"] = [];
  const started = performance.now();
  const id = await submit(hub, config.adminToken);
  let cancelled = false;
  let logged = 0;
  let job: Awaited<ReturnType<Hub["store"]["jobs"]["get"]>>;
  for (;;) {
    job = await hub.store.jobs.get(id);
    const done = job?.progress.read ?? 0;
    const reached = Math.min(10, Math.floor((done / total) * 10));
    while (tenths.length < reached) {
      tenths.push({ rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed });
      console.log(
        `  ${tag}: ${tenths.length * 10} % after ${((performance.now() - started) / 1000).toFixed(0)} s, RSS ${mib(tenths.at(-1)!.rss)} MiB, heap ${mib(tenths.at(-1)!.heap)} MiB`,
      );
    }
    // Once a minute as well: a leg stopped by its budget may not reach many tenths.
    const minutes = Math.floor((performance.now() - started) / 60_000);
    if (minutes > logged) {
      logged = minutes;
      console.log(
        `  ${tag}: ${minutes} min, ${count(done)} read (${((done / total) * 100).toFixed(1)} %), RSS ${mib(process.memoryUsage.rss())} MiB, heap ${mib(process.memoryUsage().heapUsed)} MiB`,
      );
    }
    if (!job || ["succeeded", "failed", "cancelled"].includes(job.status)) break;
    if (!cancelled && performance.now() - started > BUDGET_MS) {
      cancelled = true;
      await hub.engine.jobs.cancel(id);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  const notes: string[] = [];
  const p = job?.progress ?? {};
  notes.push(
    Object.entries(p)
      .map(([key, n]) => `${key} ${count(n)}`)
      .join(", "),
  );
  // Rejected rows are expected (1 % of an import); any other error is the job's.
  const jobErrors = (job?.errors ?? []).filter((e) => !/^rows? \d.* rejected$/.test(e.message));
  if (jobErrors.length > 0) notes.push(`errors: ${jobErrors.map((e) => e.message).join("; ")}`);
  const people = await hub.store.contacts.count();
  notes.push(`people in the store: ${count(people)}`);
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    name,
    total,
    done: p.read ?? 0,
    status: job?.status ?? "missing",
    ms,
    tenths,
    rssStart,
    rssPeak,
    notes,
  };
}

function report(r: LegResult, perWhat: string) {
  console.log(`\n### ${r.name}\n`);
  console.log("| measure | value |");
  console.log("|---|---:|");
  console.log(
    `| job | ${r.status}: ${count(r.done)} of ${count(r.total)} ${perWhat} read (${Math.min(100, (r.done / r.total) * 100).toFixed(0)} %; a backfill re-reads a few records at page boundaries) |`,
  );
  console.log(`| time | ${(r.ms / 1000).toFixed(1)} s |`);
  console.log(`| ${perWhat}/s | ${((r.done / r.ms) * 1000).toFixed(0)} |`);
  console.log(`| RSS at the start | ${mib(r.rssStart)} MiB |`);
  console.log(
    `| RSS at 10 %, 20 %, … | ${r.tenths.map((t) => mib(t.rss)).join(" / ") || "-"} MiB |`,
  );
  console.log(
    `| V8 heap (HTTP thread) at 10 %, 20 %, … | ${r.tenths.map((t) => mib(t.heap)).join(" / ") || "-"} MiB |`,
  );
  console.log(`| peak RSS during the leg (sampled) | ${mib(r.rssPeak)} MiB |`);
  for (const note of r.notes) console.log(`| | ${note} |`);
}

const results: { result: LegResult; per: string }[] = [];
for (const size of sizes) {
  const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;

  if (LEGS.includes("import")) {
    const dir = mkdtempSync(join(tmpdir(), "tsunagu-scale-csv-"));
    const file = join(dir, "people.csv");
    let t = performance.now();
    const bytes = await writeFebrlCsv(file, size);
    console.log(
      `\nimport ${label}: wrote ${count(size)} rows (${mib(bytes)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const sims = await startSimulators(0);
    const result = await runLeg(
      `import ${label}`,
      `CSV import, ${label} FEBRL rows`,
      size,
      sims,
      async (hub, token) => {
        t = performance.now();
        const job = await startImport({ url: hub.url, token }, file, "febrl");
        console.log(`  upload: ${((performance.now() - t) / 1000).toFixed(1)} s`);
        return job.id;
      },
    );
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
    results.push({ result, per: "rows" });
    report(result, "rows");
  }

  if (LEGS.includes("backfill")) {
    const t = performance.now();
    const sims = await startSimulators(size);
    console.log(
      `\nbackfill ${label}: simulators up with ${count(size)} HubSpot contacts in ${((performance.now() - t) / 1000).toFixed(1)} s (seeding ${(sims.info.seedMs / 1000).toFixed(1)} s)`,
    );
    const result = await runLeg(
      `backfill ${label}`,
      `backfill, ${label} contacts HubSpot -> Salesforce + Marketo (throttles lifted)`,
      size,
      sims,
      async (hub) =>
        (await hub.engine.jobs.submit("backfill", { system: "hubspot", dryRun: false })).id,
    );
    const stats = await sims.stats();
    result.notes.push(
      `simulators' process: ${count(stats.marketoLeads)} Marketo leads, ${count(stats.salesforceApiCalls)} Salesforce API calls, RSS ${mib(stats.rss)} MiB (not in the figures above)`,
    );
    await sims.close();
    results.push({ result, per: "contacts" });
    report(result, "contacts");
  }
}

console.log(`\n## tsunagu scale bench (${which})\n`);
console.log("| leg | status | done | time (s) | per s | RSS start -> peak (MiB) |");
console.log("|---|---|---:|---:|---:|---:|");
for (const { result: r, per } of results)
  console.log(
    `| ${r.name} | ${r.status} | ${count(r.done)} ${per} | ${(r.ms / 1000).toFixed(0)} | ${((r.done / r.ms) * 1000).toFixed(0)} | ${mib(r.rssStart)} -> ${mib(r.rssPeak)} |`,
  );
console.log(
  `\nprocess peak RSS over all legs (getrusage maxRSS): ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
);
