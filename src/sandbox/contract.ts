/** What every local API simulator returns when started; `src/sandbox/start.ts` wires them up. */

export interface SandboxRequestLogEntry {
  method: string;
  /** Path with query string, e.g. "/crm/v3/objects/contacts/batch/update". */
  path: string;
  status: number;
  at: number;
}

export interface RunningSandbox {
  /** Origin the official client is pointed at, e.g. "http://127.0.0.1:4010" (no trailing slash). */
  readonly baseUrl: string;
  readonly accessToken: string;
  /** Where change webhooks are delivered; null stops delivery. */
  setWebhookTarget(url: string | null): void;
  /** Every API request served (admin requests under /_sandbox excluded), oldest first. */
  requests(): SandboxRequestLogEntry[];
  clearRequests(): void;
  /** Resolves when no webhook delivery is queued or in flight. */
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}
