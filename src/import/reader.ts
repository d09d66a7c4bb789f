import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream";
import { CsvError, type Info, parse } from "csv-parse";

/** Where the CSV text lies: a whole uploaded file, or the `file` part of a stored multipart body. */
export interface CsvSource {
  file: string;
  /** Byte offsets; `end` is exclusive. */
  start: number;
  end: number;
}

export interface CsvOptions {
  delimiter: string;
  trim: boolean;
}

/** Where reading resumes: after `row` data rows, at byte `offset` (the start of the next row). */
export interface CsvPosition {
  row: number;
  offset: number;
}

/** One data row (1-based), with the byte offset just after it; `error` when it is not valid CSV. */
export type RawRow = { row: number; end: number } & (
  | { cells: string[]; error?: undefined }
  | { cells?: undefined; error: string }
);

/** No row may be longer than this: an unclosed quote must not buffer the rest of the file. */
export const MAX_ROW_BYTES = 1 << 20;

/**
 * Parsed records from byte `from` on, each with the offset just after it. A parse error is
 * thrown only after every record before it has been handed over: records are captured as
 * they are parsed (a failed stream drops what it still buffers), while iterating the parser
 * paces the file (backpressure: a page at a time, never the file).
 */
async function* recordsFrom(
  source: CsvSource,
  from: number,
  options: CsvOptions,
): AsyncGenerator<{ cells: string[]; end: number }> {
  const parsed: { cells: string[]; end: number }[] = [];
  const parser = parse({
    delimiter: options.delimiter,
    trim: options.trim,
    bom: from === source.start,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_ROW_BYTES,
    on_record: (record: string[], context: Info) => {
      parsed.push({ cells: record, end: from + context.bytes });
      return record;
    },
  });
  if (from >= source.end) parser.end();
  else
    pipeline(createReadStream(source.file, { start: from, end: source.end - 1 }), parser, () => {});
  try {
    try {
      for await (const _ of parser) yield parsed.shift()!;
    } catch (error) {
      while (parsed.length > 0) yield parsed.shift()!;
      throw error;
    }
  } finally {
    parser.destroy();
  }
}

/** The header row: column names, and the offset where the data rows begin. */
export async function readHeader(
  source: CsvSource,
  options: CsvOptions,
): Promise<{ columns: string[]; end: number }> {
  try {
    for await (const { cells, end } of recordsFrom(source, source.start, options))
      return { columns: cells, end };
  } catch (error) {
    if (error instanceof CsvError) throw new CsvFormatError(`header: ${describe(error)}`);
    throw error;
  }
  throw new CsvFormatError("the file has no header row");
}

export class CsvFormatError extends Error {
  override name = "CsvFormatError";
}

/**
 * Data rows from `from` on, streamed (memory stays flat whatever the file size). A row that
 * is not valid CSV (a stray quote, a row over 1 MiB) is reported as an error row spanning
 * its line, and reading goes on from the next line; offsets are exact, so a reader started
 * at any row's `end` continues with the next row.
 */
export async function* readRows(
  source: CsvSource,
  options: CsvOptions,
  from: CsvPosition,
): AsyncGenerator<RawRow> {
  let { row, offset } = from;
  while (offset < source.end) {
    try {
      for await (const { cells, end } of recordsFrom(source, offset, options)) {
        row++;
        offset = end;
        yield { row, cells, end };
      }
      return;
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      const next = await nextLine(source, offset);
      row++;
      offset = next;
      yield { row, error: describe(error), end: next };
    }
  }
}

/** The offset after the line that starts at `from` (blank lines before it skipped), or the end. */
async function nextLine(source: CsvSource, from: number): Promise<number> {
  const handle = await open(source.file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let started = false;
    for (let position = from; position < source.end; ) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, source.end - position),
        position,
      );
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const byte = buffer[i]!;
        if (byte !== 0x0a && byte !== 0x0d) started = true;
        else if (started && byte === 0x0a) return position + i + 1;
      }
      position += bytesRead;
    }
    return source.end;
  } finally {
    await handle.close();
  }
}

function describe(error: CsvError): string {
  switch (error.code) {
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return "malformed CSV: a closing quote is followed by other text";
    case "CSV_QUOTE_NOT_CLOSED":
      return "malformed CSV: a quoted cell is never closed";
    case "CSV_MAX_RECORD_SIZE":
      return `malformed CSV: row longer than ${MAX_ROW_BYTES} bytes (an unclosed quote?)`;
    default:
      return `malformed CSV (${error.code})`;
  }
}
