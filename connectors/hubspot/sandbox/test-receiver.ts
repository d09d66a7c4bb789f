/** A tiny loopback HTTP receiver for webhook tests: records every request, answers on demand. */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import {
  type HubspotSandboxOptions,
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "./index.ts";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Status codes to answer with, in order; afterwards 200. */
  failNext(...statuses: number[]): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startTestReceiver(path = "/hooks/hubspot"): Promise<TestReceiver> {
  const received: ReceivedRequest[] = [];
  const queued: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.statusCode = queued.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    failNext: (...statuses) => queued.push(...statuses),
    clear: () => {
      received.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * For a test file: a simulator whose webhooks go to a receiver, both started before its
 * tests and closed after. Read `sandbox` and `receiver` inside tests.
 */
export function sandboxWithReceiver(
  options: Omit<HubspotSandboxOptions, "port" | "webhookUrl"> = {},
) {
  const started = {} as { sandbox: RunningHubspotSandbox; receiver: TestReceiver };
  beforeAll(async () => {
    started.receiver = await startTestReceiver();
    started.sandbox = await startHubspotSandbox({
      port: 0,
      webhookUrl: started.receiver.url,
      webhookBatchDelayMs: 5,
      ...options,
    });
  });
  afterAll(async () => {
    await started.sandbox?.close();
    await started.receiver?.close();
  });
  return started;
}
