/**
 * The slice of the Workers runtime API the hub uses, declared here because
 * @cloudflare/workers-types replaces Node's globals when it is loaded into one program.
 */
import type { D1Like } from "../../store/db.ts";

export interface QueueMessage<T> {
  readonly id: string;
  readonly body: T;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface MessageBatch<T> {
  readonly queue: string;
  readonly messages: readonly QueueMessage<T>[];
  ackAll(): void;
  retryAll(options?: { delaySeconds?: number }): void;
}

export interface Queue<T> {
  send(body: T): Promise<void>;
  sendBatch(messages: Iterable<{ body: T }>): Promise<void>;
}

export interface DurableObjectStub {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): DurableObjectStub;
}

export interface ScheduledController {
  readonly cron: string;
  readonly scheduledTime: number;
}

export interface JobMessage {
  jobId: string;
}

/** What the Worker is bound to (wrangler.toml), plus its vars and secrets as strings. */
export interface WorkerEnv {
  DB: D1Like;
  NOTICES: Queue<import("../../../connectors/contract.ts").ChangeNotice>;
  JOBS: Queue<JobMessage>;
  RATE_GATE: DurableObjectNamespace;
  [variable: string]: unknown;
}
