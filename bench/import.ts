/**
 * `node --import tsx bench/import.ts` (part of `npm run bench`): a CSV import of
 * BENCH_IMPORT_ROWS (default 100,000) generated FEBRL-style rows, streamed over HTTP into a
 * hub running in this process (SQLite in a temp folder, the built-in simulators), exactly
 * as `tsunagu import` sends it. Reports rows/s and the process's peak RSS, sampled through
 * the import and at each tenth of the rows: flat from the first tenth to the last means the
 * import holds a page at a time, not the file. 1 % of the rows are bad (unparseable dates,
 * missing ids) and must be rejected with their row numbers. The rows have no email, so
 * nobody is created in the simulators: the figures are the hub's own work. The rows come
 * from ./febrl-rows.ts (shared with bench/scale.ts).
 *
 * Measured against a raw baseline in the same run: the same file through the same reader
 * and row converter into a bare SQLite table (see `raw` below). Targets: at least 5,000
 * rows/s, and at least 0.3 of the raw baseline's rate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { startImport, waitForImport } from "../src/cli/client.ts";
import { readCsvMappings } from "../src/import/csv-mapping.ts";
import { readHeader, readRows } from "../src/import/reader.ts";
import { rowConverter } from "../src/import/rows.ts";
import { createLogger } from "../src/logger.ts";
import { loadConfig } from "../src/runtime/config.ts";
import { startHub } from "../src/runtime/hub.ts";
import { badFebrlRows, isBadFebrlRow, writeFebrlCsv } from "./febrl-rows.ts";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "tsunagu-import-bench-"));
const csvFile = join(dir, "people.csv");

const size = await writeFebrlCsv(csvFile, ROWS);
const badRows = badFebrlRows(ROWS);
const mib = (bytes: number) => bytes / (1 << 20);

/**
 * The import's own machinery alone (stream, parse, convert a page of rows at a time; no
 * sync): its memory must not depend on the file's size.
 */
const reader = await (async () => {
  const mapping = readCsvMappings("mappings").get("febrl")!;
  const source = { file: csvFile, start: 0, end: size };
  const header = await readHeader(source, mapping.spec.csv);
  const convert = rowConverter(mapping, header.columns, Date.now());
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let heapPeak = 0;
  let page: unknown[] = [];
  const started = performance.now();
  for await (const raw of readRows(source, mapping.spec.csv, { row: 0, offset: header.end })) {
    page.push(raw.cells ? convert(raw.row, raw.cells) : raw);
    if (page.length === 500) {
      page = [];
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
  }
  return { ms: performance.now() - started, rssBefore, rssPeak, heapPeak };
})();

/**
 * The raw baseline: the same file through the same reader and row converter, each accepted
 * row upserted into a fresh SQLite file (WAL, prepared statement, one transaction per page
 * of 500 rows) as id + fields JSON. What an import would cost with no matching, merging,
 * scoring or sync: the hub's import is measured against it.
 */
const raw = await (async () => {
  const mapping = readCsvMappings("mappings").get("febrl")!;
  const source = { file: csvFile, start: 0, end: size };
  const header = await readHeader(source, mapping.spec.csv);
  const convert = rowConverter(mapping, header.columns, Date.now());
  const db = new Database(join(dir, "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE people (id TEXT PRIMARY KEY, fields TEXT NOT NULL, modified_at INTEGER NOT NULL)",
  );
  const upsert = db.prepare(
    "INSERT INTO people (id, fields, modified_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, modified_at = excluded.modified_at",
  );
  const savePage = db.transaction((page: [string, string, number][]) => {
    for (const row of page) upsert.run(row);
  });
  let page: [string, string, number][] = [];
  let rows = 0;
  let rejected = 0;
  const started = performance.now();
  for await (const raw of readRows(source, mapping.spec.csv, { row: 0, offset: header.end })) {
    rows++;
    const result = raw.cells ? convert(raw.row, raw.cells) : undefined;
    if (result?.ok) {
      const { record } = result.value;
      page.push([record.externalId, JSON.stringify(record.fields), record.modifiedAt]);
    } else rejected++;
    if (rows % 500 === 0) {
      savePage(page);
      page = [];
    }
  }
  savePage(page);
  const ms = performance.now() - started;
  const stored = (db.prepare("SELECT count(*) AS n FROM people").get() as { n: number }).n;
  db.close();
  return { ms, rejected, stored };
})();
if (raw.rejected !== badRows || raw.stored !== ROWS - badRows)
  throw new Error(`raw baseline: ${raw.stored} stored, ${raw.rejected} rejected`);

const config = loadConfig({
  PORT: "0",
  TSUNAGU_DB: join(dir, "hub.db"),
  TSUNAGU_SANDBOX_PEOPLE: "0",
  TSUNAGU_SANDBOX_HUBSPOT_PORT: "0",
  TSUNAGU_SANDBOX_SALESFORCE_PORT: "0",
  TSUNAGU_SANDBOX_MARKETO_PORT: "0",
});
const hub = await startHub(config, { logger: createLogger({ silent: true }), schedule: false });
global.gc?.();
const rssAtStart = process.memoryUsage.rss();
let peak = rssAtStart;
/** RSS and V8 heap when the import passed each tenth of the rows. */
const atTenth: { rss: number; heap: number }[] = [];
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  peak = Math.max(peak, rss);
}, 50);

const started = performance.now();
const cpuBefore = process.cpuUsage();
const queued = await startImport({ url: hub.url, token: config.adminToken }, csvFile, "febrl");
const uploaded = performance.now();
const job = await waitForImport(
  { url: hub.url, token: config.adminToken },
  queued.id,
  (current) => {
    const reached = Math.floor(((current.progress.read ?? 0) / ROWS) * 10);
    while (atTenth.length < reached)
      atTenth.push({ rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed });
  },
  250,
);
const ended = performance.now();
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
const maxRss = process.resourceUsage().maxRSS * 1024;
const contacts = await hub.store.contacts.count();
await hub.close();
rmSync(dir, { recursive: true, force: true });

const p = job.progress;
const rejectedRows = job.errors.filter((e) => e.row !== undefined).map((e) => e.row!);
const ok =
  job.status === "succeeded" &&
  p.read === ROWS &&
  p.rejected === badRows &&
  p.accepted === ROWS - badRows &&
  rejectedRows.every((row) => isBadFebrlRow(row));
const importMs = ended - uploaded;
console.log(
  `\ntsunagu import bench: ${ROWS.toLocaleString("en-US")} CSV rows (${mib(size).toFixed(1)} MiB), mapping febrl\n`,
);
console.log("| measure | value |");
console.log("|---|---:|");
console.log(
  `| job | ${job.status}: ${p.read} read, ${p.accepted} accepted, ${p.rejected} rejected (expected ${badRows}) |`,
);
console.log(
  `| people in the store | ${contacts} (${p.merged ?? 0} merged, ${p.review ?? 0} to review) |`,
);
console.log(
  `| reading + converting alone (no sync) | ${((ROWS / reader.ms) * 1000).toFixed(0)} rows/s, RSS ${mib(reader.rssBefore).toFixed(0)} -> peak ${mib(reader.rssPeak).toFixed(0)} MiB, heap peak ${mib(reader.heapPeak).toFixed(0)} MiB |`,
);
console.log(
  `| raw baseline: reader + converter + SQLite upserts (500 a transaction) | ${((ROWS / raw.ms) * 1000).toFixed(0)} rows/s |`,
);
console.log(`| upload (streamed to disk) | ${(uploaded - started).toFixed(0)} ms |`);
console.log(
  `| import | ${(importMs / 1000).toFixed(1)} s, ${((ROWS / importMs) * 1000).toFixed(0)} rows/s |`,
);
console.log(
  `| CPU time of the import, all threads (user + system; wall time includes waiting on the disk) | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s |`,
);
console.log(`| RSS before the import | ${mib(rssAtStart).toFixed(0)} MiB |`);
console.log(`| peak RSS during the import (sampled) | ${mib(peak).toFixed(0)} MiB |`);
console.log(`| peak RSS of the process (getrusage maxRSS) | ${mib(maxRss).toFixed(0)} MiB |`);
console.log(
  `| RSS at 10 %, 20 %, … of the rows | ${atTenth.map((m) => mib(m.rss).toFixed(0)).join(" / ")} MiB |`,
);
console.log(
  `| V8 heap used at 10 %, 20 %, … | ${atTenth.map((m) => mib(m.heap).toFixed(0)).join(" / ")} MiB |`,
);
const rowsPerSecond = (ROWS / importMs) * 1000;
const vsRaw = raw.ms / importMs;
const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");
console.log("");
console.log(
  `${verdict(rowsPerSecond >= 5000)} import rows/s: ${rowsPerSecond.toLocaleString("en-US", { maximumFractionDigits: 0 })} (target >= 5,000)`,
);
console.log(
  `${verdict(vsRaw >= 0.3)} import vs raw SQLite baseline: ${vsRaw.toFixed(2)} (target >= 0.3)`,
);
if (!ok) {
  console.error("import bench: the job did not import and reject exactly the expected rows");
  process.exitCode = 1;
}
