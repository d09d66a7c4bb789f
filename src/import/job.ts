import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { EngagementEvent, SourceRecord } from "../../connectors/contract.ts";
import { type ConsentEvent, consentEventId } from "../core/consent.ts";
import { linkKey } from "../core/contact.ts";
import type { MappingSet } from "../core/mapping-set.ts";
import type { Store } from "../store/index.ts";
import type { JobError } from "../store/jobs.ts";
import type { BatchCounts } from "../sync/pipeline.ts";
import { addCounts } from "../sync/pipeline.ts";
import { type CsvMapping, csvSystem, isCsvMapping } from "./csv-mapping.ts";
import { type CsvPosition, type RawRow, readHeader, readRows } from "./reader.ts";
import { type ImportRow, rowConverter } from "./rows.ts";
import { removeUpload } from "./upload.ts";

/** What an import job keeps in its params. */
export interface ImportParams {
  /** The CSV mapping's name (`mappings/csv.<name>.json`). */
  mapping: string;
  /** The stored upload, and where the CSV text lies in it. */
  file: string;
  start: number;
  end: number;
  /** CSV bytes to read (end - start): progress.bytes counts up to it. */
  bytes: number;
  filename?: string;
}

export interface ImportJobDeps {
  store: Store;
  mappings?: Pick<MappingSet, "get">;
  syncBatch: (records: SourceRecord[], options: { dryRun: boolean }) => Promise<BatchCounts>;
  publishPeople: (ids: string[]) => Promise<BatchCounts>;
  syncEngagement: (events: EngagementEvent[], options: { dryRun: boolean }) => Promise<BatchCounts>;
  now: () => number;
}

export interface RowError {
  row: number;
  reason: string;
}

export const IMPORT_PAGE_ROWS = 500;
/** Row errors kept on the job (the first ones); `progress.rejected` counts them all. */
export const MAX_ROW_ERRORS = 1000;
/** Row errors are kept in job errors of this many rows each (the store keeps 100 errors). */
const ROWS_PER_ERROR = 25;

export function csvMappingIn(
  mappings: Pick<MappingSet, "get"> | undefined,
  name: string,
): CsvMapping | undefined {
  const mapping = mappings?.get(csvSystem(name), "row");
  return isCsvMapping(mapping) ? mapping : undefined;
}

/**
 * The pages of an import job: IMPORT_PAGE_ROWS rows of the stored upload at a time, each
 * accepted row a record of `csv:<name>` through the same path as any source
 * (resolve -> match -> merge -> score -> push), then its consent statements and events.
 * The cursor is the row number and byte offset after the page, so a restarted job reads
 * on from there and no row is counted twice.
 */
export async function* importPages(
  deps: ImportJobDeps,
  params: ImportParams & { until: number },
  cursor: string | null,
) {
  const mapping = csvMappingIn(deps.mappings, params.mapping);
  if (!mapping) throw new Error(`no CSV mapping "${params.mapping}" (mappings/csv.<name>.json)`);
  let position: CsvPosition | null = cursor ? (JSON.parse(cursor) as CsvPosition) : null;
  if (position && position.offset >= params.end) return;
  if (!existsSync(params.file)) throw new Error("the uploaded file is gone from the data folder");
  const source = { file: params.file, start: params.start, end: params.end };
  const options = mapping.spec.csv;
  const header = await readHeader(source, options).catch(withoutPath);
  position ??= { row: 0, offset: header.end };
  const convert = rowConverter(mapping, header.columns, params.until);

  // progress.bytes counts from the start of the CSV text (the header included) to params.bytes.
  let offset = cursor ? position.offset : params.start;
  let page: RawRow[] = [];
  const pageOf = (raws: RawRow[]) => {
    const accepted: ImportRow[] = [];
    const rowErrors: RowError[] = [];
    for (const raw of raws) {
      if (raw.error !== undefined) {
        rowErrors.push({ row: raw.row, reason: raw.error });
        continue;
      }
      const result = convert(raw.row, raw.cells);
      if (result.ok) accepted.push(result.value);
      else rowErrors.push({ row: raw.row, reason: result.reason });
    }
    const last = raws.at(-1)!;
    const bytes = last.end - offset;
    offset = last.end;
    return {
      cursor: JSON.stringify({ row: last.row, offset: last.end } satisfies CsvPosition),
      items: accepted.map((r) => ({ id: `row:${r.row}`, at: 0, item: r })),
      rowErrors,
      run: async (rows: ImportRow[]) => {
        const counts = await importRows(deps, mapping, rows);
        return {
          ...counts,
          read: raws.length,
          accepted: rows.length,
          rejected: rowErrors.length,
          bytes,
        };
      },
    };
  };
  try {
    for await (const raw of readRows(source, options, position)) {
      page.push(raw);
      if (page.length >= IMPORT_PAGE_ROWS) {
        yield pageOf(page);
        page = [];
      }
    }
  } catch (error) {
    withoutPath(error);
  }
  if (page.length > 0) yield pageOf(page);
}

/**
 * Rethrows a file system error (whose message names the upload's path, e.g. "ENOENT: no such
 * file or directory, open '/data/imports/….upload'") without the path: a failed job's error is
 * shown by the API. Other errors are rethrown as they are.
 */
export function withoutPath(error: unknown): never {
  const fsError = error as Partial<NodeJS.ErrnoException> | undefined;
  if (fsError && typeof fsError.code === "string" && (fsError.path || fsError.syscall))
    throw new Error(`the uploaded file could not be read (${fsError.code})`);
  throw error;
}

async function importRows(
  deps: ImportJobDeps,
  mapping: CsvMapping,
  rows: ImportRow[],
): Promise<BatchCounts> {
  if (rows.length === 0) return {};
  const counts = await deps.syncBatch(
    rows.map((r) => r.record),
    { dryRun: false },
  );
  const stating = rows.filter((r) => r.consent.length > 0);
  if (stating.length > 0) {
    const owners = new Map<string, string>();
    for (const contact of await deps.store.contacts.loadFor(
      stating.map((r) => r.record),
      [],
    ))
      for (const link of contact.links) owners.set(linkKey(link), contact.id);
    const changed = new Set<string>();
    let added = 0;
    for (const r of stating) {
      const contactId = owners.get(linkKey(r.record));
      if (!contactId) continue;
      const events: ConsentEvent[] = r.consent.map((s) => ({
        ...s,
        source: mapping.system,
        id: consentEventId(mapping.system, s),
      }));
      const n = await deps.store.consent.add(contactId, events, deps.now());
      if (n > 0) changed.add(contactId);
      added += n;
    }
    counts["consent.new"] = added;
    // Tells every linked system what it does not show yet, opt-outs first.
    if (changed.size > 0) addCounts(counts, await deps.publishPeople([...changed]));
  }
  const events = rows.flatMap((r) => r.events);
  if (events.length > 0) addCounts(counts, await deps.syncEngagement(events, { dryRun: false }));
  return counts;
}

/** Row errors as the job keeps them: groups of rows in job errors, the first MAX_ROW_ERRORS only. */
export type RowErrorGroup = JobError & { rows: RowError[] };

export function keepRowErrors(errors: JobError[], rows: RowError[], at: number): JobError[] {
  const kept = errors.reduce((n, e) => n + ((e as RowErrorGroup).rows?.length ?? 0), 0);
  const room = rows.slice(0, Math.max(0, MAX_ROW_ERRORS - kept));
  if (room.length === 0) return errors;
  const next = errors.map((e) => ({ ...e }));
  for (const error of room) {
    const last = next.at(-1) as RowErrorGroup | undefined;
    if (last?.rows && last.rows.length < ROWS_PER_ERROR) {
      last.rows = [...last.rows, error];
      last.message = `rows ${last.rows[0]!.row}-${error.row}: ${last.rows.length} rejected`;
    } else {
      next.push({
        at,
        message: `row ${error.row}: rejected`,
        rows: [error],
      } as RowErrorGroup);
    }
  }
  return next;
}

/** A job's errors as the API shows them: one entry per rejected row, then the job's own errors. */
export function rowErrorsOf(
  errors: JobError[],
): { at: number; message: string; row?: number; reason?: string }[] {
  return errors.flatMap((e) => {
    const rows = (e as RowErrorGroup).rows;
    if (!rows) return [{ at: e.at, message: e.message }];
    return rows.map((r) => ({
      at: e.at,
      message: `row ${r.row}: ${r.reason}`,
      row: r.row,
      reason: r.reason,
    }));
  });
}

const UPLOAD_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.upload$/i;

/** The neutral id of a stored upload (its file name is `<uuid>.upload`), if it has one. */
export function uploadIdOf(file: string): string | undefined {
  return UPLOAD_ID.exec(basename(file))?.[1];
}

/**
 * An import job's params as HTTP answers show them: never the server path of the upload
 * (`file` stays in the stored params for the engine), but its neutral `upload` id, and the
 * client's own `filename` where the upload named one.
 */
export function publicImportParams(params: Record<string, unknown>): Record<string, unknown> {
  const { file, ...shown } = params;
  const upload = typeof file === "string" ? uploadIdOf(file) : undefined;
  return upload ? { ...shown, upload } : shown;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `text` (a job error message) without the upload's server path, its folder or the data
 * folder above it: each becomes a neutral word. A folder is only replaced as a whole path
 * segment, and never the root.
 */
export function withoutServerPaths(text: string, params: Record<string, unknown>): string {
  const file = params.file;
  if (typeof file !== "string" || file === "") return text;
  const uploads = dirname(file);
  let out = text.split(file).join("the upload");
  for (const [dir, word] of [
    [uploads, "the upload folder"],
    [dirname(uploads), "the data folder"],
  ] as const) {
    if (dir.length <= 1 || dir === dirname(dir)) continue;
    out = out.replace(new RegExp(`${escapeRegExp(dir)}(?=[\\\\/'"\\s,:;)]|$)`, "g"), word);
  }
  return out;
}

/** The stored upload is deleted once its job has ended (it holds personal data). */
export function importEnded(params: unknown): void {
  const file = (params as Partial<ImportParams>).file;
  if (file) removeUpload(file);
}
