/**
 * `node --import tsx bench/import.ts` (part of `npm run bench`): a CSV import of
 * BENCH_IMPORT_ROWS (default 100,000) generated FEBRL-style rows, streamed over HTTP into a
 * hub running in this process (SQLite in a temp folder, the built-in simulators), exactly
 * as `tsunagu import` sends it. Reports rows/s and the process's peak RSS, sampled through
 * the import and at each tenth of the rows: flat from the first tenth to the last means the
 * import holds a page at a time, not the file. 1 % of the rows are bad (unparseable dates,
 * missing ids) and must be rejected with their row numbers. The rows have no email, so
 * nobody is created in the simulators: the figures are the hub's own work.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { faker } from "@faker-js/faker";
import { startImport, waitForImport } from "../src/cli/client.ts";
import { readCsvMappings } from "../src/import/csv-mapping.ts";
import { readHeader, readRows } from "../src/import/reader.ts";
import { rowConverter } from "../src/import/rows.ts";
import { createLogger } from "../src/logger.ts";
import { loadConfig } from "../src/runtime/config.ts";
import { startHub } from "../src/runtime/hub.ts";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "tsunagu-import-bench-"));
const csvFile = join(dir, "people.csv");

faker.seed(2024);
const bad = new Set<number>();
{
  const out = createWriteStream(csvFile);
  const write = (line: string) =>
    out.write(line)
      ? Promise.resolve()
      : new Promise<void>((resolve) => out.once("drain", () => resolve()));
  await write(
    "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n",
  );
  for (let row = 1; row <= ROWS; row++) {
    const dob = faker.date.birthdate({ min: 18, max: 90, mode: "age" });
    let date = dob.toISOString().slice(0, 10).replaceAll("-", "");
    let id = `rec-${row}-org`;
    if (row % 100 === 37) {
      bad.add(row);
      if (row % 200 === 37) date = `${date.slice(0, 4)}13${date.slice(6)}`;
      else id = "";
    }
    const cells = [
      id,
      faker.person.firstName().toLowerCase(),
      faker.person.lastName().toLowerCase(),
      faker.number.int({ min: 1, max: 400 }),
      faker.location.street().toLowerCase(),
      "",
      faker.location.city().toLowerCase(),
      faker.location.zipCode("####"),
      faker.helpers.arrayElement(["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"]),
      date,
      faker.number.int({ min: 1_000_000, max: 9_999_999 }),
    ];
    await write(`${cells.join(", ")}\n`);
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
const size = statSync(csvFile).size;
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
  p.rejected === bad.size &&
  p.accepted === ROWS - bad.size &&
  rejectedRows.every((row) => bad.has(row));
const importMs = ended - uploaded;
console.log(
  `\ntsunagu import bench: ${ROWS.toLocaleString("en-US")} CSV rows (${mib(size).toFixed(1)} MiB), mapping febrl\n`,
);
console.log("| measure | value |");
console.log("|---|---:|");
console.log(
  `| job | ${job.status}: ${p.read} read, ${p.accepted} accepted, ${p.rejected} rejected (expected ${bad.size}) |`,
);
console.log(
  `| people in the store | ${contacts} (${p.merged ?? 0} merged, ${p.review ?? 0} to review) |`,
);
console.log(
  `| reading + converting alone (no sync) | ${((ROWS / reader.ms) * 1000).toFixed(0)} rows/s, RSS ${mib(reader.rssBefore).toFixed(0)} -> peak ${mib(reader.rssPeak).toFixed(0)} MiB, heap peak ${mib(reader.heapPeak).toFixed(0)} MiB |`,
);
console.log(`| upload (streamed to disk) | ${(uploaded - started).toFixed(0)} ms |`);
console.log(
  `| import | ${(importMs / 1000).toFixed(1)} s, ${((ROWS / importMs) * 1000).toFixed(0)} rows/s |`,
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
if (!ok) {
  console.error("import bench: the job did not import and reject exactly the expected rows");
  process.exitCode = 1;
}
