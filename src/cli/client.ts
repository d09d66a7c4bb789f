import { createReadStream, statSync } from "node:fs";
import { Readable, Transform } from "node:stream";

/** The hub's import API as the CLI and the bench use it. */
export interface HubClient {
  url: string;
  token: string;
}

export interface ImportJob {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  params: { mapping: string; bytes: number; [key: string]: unknown };
  progress: Record<string, number>;
  startedAt: string | null;
  finishedAt: string | null;
  errors: { at: string; message: string; row?: number; reason?: string }[];
}

export class HubError extends Error {
  override name = "HubError";
}

/** Streams `file` as the body of POST /v1/imports (never read whole); resolves with the queued job. */
export async function startImport(
  hub: HubClient,
  file: string,
  mapping: string,
  onUpload: (sent: number, total: number) => void = () => {},
): Promise<ImportJob> {
  const total = statSync(file).size;
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onUpload(sent, total);
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counting)) as ReadableStream<Uint8Array>;
  const response = await fetch(`${hub.url}/v1/imports?mapping=${encodeURIComponent(mapping)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hub.token}`, "content-type": "text/csv" },
    body,
    duplex: "half",
  } as RequestInit & { duplex: "half" });
  const payload = (await response.json().catch(() => ({}))) as Problemish;
  if (response.status !== 202) throw new HubError(problemText(response.status, payload));
  return payload as unknown as ImportJob;
}

export async function getImport(hub: HubClient, id: string): Promise<ImportJob> {
  const response = await fetch(`${hub.url}/v1/imports/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${hub.token}` },
  });
  const payload = (await response.json().catch(() => ({}))) as Problemish;
  if (response.status !== 200) throw new HubError(problemText(response.status, payload));
  return payload as unknown as ImportJob;
}

export const finished = (job: ImportJob) => job.status !== "queued" && job.status !== "running";

/** Polls until the job has ended, calling `onProgress` with every reading. */
export async function waitForImport(
  hub: HubClient,
  id: string,
  onProgress: (job: ImportJob) => void = () => {},
  intervalMs = 500,
): Promise<ImportJob> {
  for (let failures = 0; ; ) {
    let job: ImportJob;
    try {
      job = await getImport(hub, id);
      failures = 0;
    } catch (error) {
      // A dropped keep-alive connection (a busy hub) is retried; an answer from the hub is not.
      if (error instanceof HubError || ++failures > 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs * failures));
      continue;
    }
    onProgress(job);
    if (finished(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

type Problemish = { title?: string; detail?: string };

function problemText(status: number, payload: Problemish): string {
  return `${status} ${payload.title ?? "error"}${payload.detail ? `: ${payload.detail}` : ""}`;
}
