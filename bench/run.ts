/**
 * `npm run bench`: throughput of the sync path, reported as ratios against a baseline
 * measured in the same run on the same machine (absolute numbers vary between machines;
 * ratios say what the hub adds).
 *
 * - baseline: reading every HubSpot contact from the simulator through the connector
 *   (the least any sync must do);
 * - backfill: the same read plus map -> resolve -> merge -> plan -> push into the
 *   Salesforce simulator and SQLite (dry run, then real);
 * - core: the pure merge+plan stages alone, in memory.
 * The connectors' own throttles are lifted on both sides, so the ratios measure the hub's
 * work, not the waits a real API's limits impose (see README, "Throughput").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SourceRecord } from "../connectors/contract.ts";
import { createHubspotConnector } from "../connectors/hubspot/index.ts";
import { startHubspotSandbox } from "../connectors/hubspot/sandbox/index.ts";
import { startSalesforceSandbox } from "../connectors/salesforce/sandbox/index.ts";
import { createIdentity } from "../src/core/identity.ts";
import { sourceFieldsToRead } from "../src/core/mapping.ts";
import { buildMappingSet } from "../src/core/mapping-set.ts";
import { planContact } from "../src/core/plan.ts";
import { WorkingSet } from "../src/core/resolve.ts";
import { createLogger } from "../src/logger.ts";
import { loadConfig } from "../src/runtime/config.ts";
import { diskFolder } from "../src/runtime/disk-folder.ts";
import { startHub } from "../src/runtime/hub.ts";
import { readMappingFiles, readMatchingConfig } from "../src/runtime/load-mappings.ts";
import { hubspotSeed, seedPeople } from "../src/sandbox/people.ts";

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5000);
const people = seedPeople(PEOPLE, 99).map((p, i) => ({
  ...p,
  email: `${i}.${p.email}`,
  inHubspot: true,
}));
const generous = { rateLimit: { requests: 100_000, perMs: 10_000 }, searchPerSecond: 1000 };
const [hs, sf] = await Promise.all([
  startHubspotSandbox({ port: 0, seed: hubspotSeed(people), ...generous }),
  startSalesforceSandbox({ port: 0 }),
]);
const dir = mkdtempSync(join(tmpdir(), "tsunagu-bench-"));
const mappings = buildMappingSet(
  readMappingFiles(diskFolder("mappings"), ["hubspot", "salesforce"]),
  [
    { system: "hubspot", createObject: "contact" },
    { system: "salesforce", createObject: "Lead" },
  ],
);
const rows: { name: string; ms: number; perSecond: number }[] = [];
const measure = async (name: string, fn: () => Promise<unknown>) => {
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  rows.push({ name, ms, perSecond: (PEOPLE / ms) * 1000 });
};

const connector = createHubspotConnector({
  accessToken: hs.accessToken,
  basePath: hs.baseUrl,
  properties: sourceFieldsToRead(mappings.get("hubspot", "contact")!),
  rateLimit: { requests: 90_000, perMs: 10_000, concurrency: 10 },
  searchPerSecond: 900,
});
const records: SourceRecord[] = [];
await measure("baseline: read all contacts from the HubSpot API", async () => {
  for await (const page of connector.pullChanges("contact", null)) records.push(...page.records);
});

await measure("core: resolve + merge + plan in memory", async () => {
  const ws = new WorkingSet(
    [],
    () => crypto.randomUUID(),
    createIdentity(readMatchingConfig(diskFolder("mappings"))),
  );
  const mapping = mappings.get("hubspot", "contact")!;
  for (const r of records) ws.apply(r, mapping, mappings.rules, Date.now());
  for (const c of ws.contacts.values()) planContact(c, mappings.targets, mappings.rules);
});

const env = {
  PORT: "0",
  TSUNAGU_ADMIN_TOKEN: "bench",
  TSUNAGU_DB: join(dir, "bench.db"),
  HUBSPOT_ACCESS_TOKEN: hs.accessToken,
  HUBSPOT_CLIENT_SECRET: hs.clientSecret,
  HUBSPOT_BASE_URL: hs.baseUrl,
  HUBSPOT_REQUESTS_PER_10S: "90000",
  HUBSPOT_SEARCH_PER_SECOND: "900",
  SALESFORCE_INSTANCE_URL: sf.baseUrl,
  SALESFORCE_ACCESS_TOKEN: sf.accessToken,
  SALESFORCE_ORG_ID: sf.organizationId,
  SALESFORCE_REQUESTS_PER_SECOND: "100000",
};
const hub = await startHub(loadConfig(env), {
  logger: createLogger({ silent: true }),
  schedule: false,
});
for (const dryRun of [true, false]) {
  await measure(
    `backfill${dryRun ? " (dry run)" : ""}: read + merge + plan${dryRun ? "" : " + push to Salesforce + SQLite"}`,
    async () => {
      const job = await hub.engine.jobs.submit("backfill", { system: "hubspot", dryRun });
      await hub.engine.jobs.idle();
      const done = await hub.store.jobs.get(job.id);
      if (done?.status !== "succeeded") throw new Error(`backfill ${done?.status}`);
    },
  );
}
const sfCalls = sf.requests().length;
await hub.close();
await Promise.all([hs.close(), sf.close()]);
rmSync(dir, { recursive: true, force: true });

const base = rows[0]!.ms;
console.log(
  `\ntsunagu bench: ${PEOPLE} contacts, HubSpot -> hub -> Salesforce (loopback simulators)\n`,
);
console.log("| stage | time (ms) | contacts/s | time vs baseline |");
console.log("|---|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.ms.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${(r.ms / base).toFixed(2)}x |`,
  );
}
console.log(
  `\nSalesforce API calls for ${PEOPLE} creates: ${sfCalls} (${(PEOPLE / Math.max(1, sfCalls)).toFixed(0)} records per call)`,
);
