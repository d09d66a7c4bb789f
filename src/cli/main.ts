import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { SANDBOX_ADMIN_TOKEN } from "../runtime/config.ts";
import { HubError, type ImportJob, startImport, waitForImport } from "./client.ts";

const USAGE = `usage: tsunagu import FILE --mapping NAME [--url URL] [--token TOKEN]

Streams FILE (CSV) to a running hub (POST /v1/imports), then follows the import job,
drawing progress on stderr. The hub is TSUNAGU_URL (default http://127.0.0.1:8787) with
TSUNAGU_ADMIN_TOKEN (default the sandbox token). Exit code 0 when the import succeeded
(rejected rows are listed, not fatal), 1 when it failed or was cancelled, 2 on bad usage.`;

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** `tsunagu import …`; returns the exit code. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: { stdout: Output; stderr: Output } = process,
): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, file] = positionals;
  if (command !== "import" || !file || !values.mapping || positionals.length > 2) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!existsSync(file)) {
    io.stderr.write(`tsunagu: no such file: ${file}\n`);
    return 2;
  }
  const hub = {
    url: (values.url ?? env.TSUNAGU_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, ""),
    token: values.token ?? env.TSUNAGU_ADMIN_TOKEN ?? SANDBOX_ADMIN_TOKEN,
  };
  const bar = progressBar(io.stderr);
  let job: ImportJob;
  try {
    job = await startImport(hub, file, values.mapping, (sent, total) =>
      bar.draw(`uploading ${values.mapping}`, sent / Math.max(1, total), formatBytes(sent)),
    );
    bar.done(`uploaded ${file}: import ${job.id}`);
    const started = Date.now();
    job = await waitForImport(hub, job.id, (current) => {
      const p = current.progress;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? Math.round((p.read ?? 0) / seconds) : 0;
      bar.draw(
        `importing ${values.mapping}`,
        (p.bytes ?? 0) / Math.max(1, current.params.bytes),
        `${n(p.read)} rows · ${n(p.accepted)} accepted · ${n(p.rejected)} rejected · ${n(rate)} rows/s`,
      );
    });
  } catch (error) {
    bar.done();
    if (error instanceof HubError || error instanceof TypeError) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      io.stderr.write(`tsunagu: ${hub.url}: ${error.message}${cause ? ` (${cause})` : ""}\n`);
      return 1;
    }
    throw error;
  }
  bar.done();
  const p = job.progress;
  io.stdout.write(
    `import ${job.id} ${job.status}: ${n(p.read)} rows, ${n(p.accepted)} accepted, ${n(p.rejected)} rejected\n`,
  );
  const rowErrors = job.errors.filter((e) => e.row !== undefined);
  for (const e of rowErrors.slice(0, 20)) io.stderr.write(`  row ${e.row}: ${e.reason}\n`);
  if ((p.rejected ?? 0) > 20)
    io.stderr.write(`  … ${n((p.rejected ?? 0) - 20)} more: GET ${hub.url}/v1/imports/${job.id}\n`);
  for (const e of job.errors.filter((e) => e.row === undefined))
    io.stderr.write(`  ${e.message}\n`);
  return job.status === "succeeded" ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mapping: { type: "string", short: "m" },
      url: { type: "string" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** One line redrawn in place on a terminal; a line per 10 % otherwise (CI logs). */
function progressBar(out: Output) {
  const width = 30;
  let lastDecile = -1;
  let drawn = false;
  return {
    draw(label: string, fraction: number, detail: string) {
      const f = Math.min(1, Math.max(0, fraction));
      const filled = Math.round(f * width);
      const line = `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
      if (out.isTTY) {
        out.write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (Math.floor(f * 10) !== lastDecile) {
        lastDecile = Math.floor(f * 10);
        out.write(`${line}\n`);
      }
    },
    done(message?: string) {
      if (drawn) out.write("\n");
      drawn = false;
      lastDecile = -1;
      if (message) out.write(`${message}\n`);
    },
  };
}

const n = (value: number | undefined) => (value ?? 0).toLocaleString("en-US");
const formatBytes = (bytes: number) =>
  bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
