import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/**
 * Streams a request body to a new file in `dir` (never held in memory) and syncs it to
 * disk: once the import job exists, a restart finds the whole upload.
 */
export async function saveUpload(
  body: ReadableStream<Uint8Array>,
  dir: string,
  maxBytes: number,
): Promise<{ file: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${randomUUID()}.upload`);
  let bytes = 0;
  try {
    const input = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    input.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) input.destroy(new UploadTooLarge(maxBytes));
    });
    await pipeline(input, createWriteStream(file, { flags: "wx" }));
    const handle = await open(file, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { file, bytes };
  } catch (error) {
    removeUpload(file);
    throw error;
  }
}

/** The body passed the hub's upload limit; what was written is removed. */
export class UploadTooLarge extends Error {
  override name = "UploadTooLarge";
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${maxBytes} bytes (TSUNAGU_IMPORT_MAX_BYTES)`);
  }
}

export function removeUpload(file: string): void {
  rmSync(file, { force: true });
}

export interface Part {
  name: string;
  filename?: string;
  /** Byte range of the part's content in the stored body; `end` exclusive. */
  start: number;
  end: number;
}

/** The boundary of a multipart/form-data content type. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * The parts of a multipart/form-data body stored in `file`, located by scanning it in
 * chunks: part contents are never read into memory, so the `file` part of any size is
 * imported straight from its byte range.
 */
export async function locateParts(file: string, boundary: string): Promise<Part[]> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter has no line break before it: scan as if the body began with one.
  const found: number[] = [];
  let carry = Buffer.from("\r\n");
  let carryStart = -2;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    const buffer = Buffer.concat([carry, chunk as Buffer]);
    for (let i = buffer.indexOf(delimiter); i >= 0; i = buffer.indexOf(delimiter, i + 1)) {
      found.push(carryStart + i);
    }
    const keep = Math.min(delimiter.length - 1, buffer.length);
    carry = buffer.subarray(buffer.length - keep);
    carryStart += buffer.length - keep;
  }
  const parts: Part[] = [];
  const handle = await open(file, "r");
  try {
    for (let k = 0; k + 1 < found.length; k++) {
      const headerStart = found[k]! + delimiter.length;
      const head = Buffer.alloc(Math.min(16 * 1024, found[k + 1]! - headerStart));
      await handle.read(head, 0, head.length, headerStart);
      const text = head.toString("latin1");
      const blank = text.indexOf("\r\n\r\n");
      if (blank < 0) continue;
      const headers = text.slice(0, blank);
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? "";
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      if (name === undefined) continue;
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      parts.push({
        name,
        ...(filename !== undefined ? { filename: Buffer.from(filename, "latin1").toString() } : {}),
        start: headerStart + blank + 4,
        end: found[k + 1]!,
      });
    }
  } finally {
    await handle.close();
  }
  return parts;
}

/** A small text part's value (form fields such as `mapping`). */
export async function partText(file: string, part: Part, limit = 1024): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(Math.min(limit, part.end - part.start));
    await handle.read(buffer, 0, buffer.length, part.start);
    return buffer.toString("utf8").trim();
  } finally {
    await handle.close();
  }
}
