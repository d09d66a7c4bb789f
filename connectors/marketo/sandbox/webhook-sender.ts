/**
 * A smart campaign ("Person is Created" / "Data Value Changes", flow step "Call Webhook")
 * posting one JSON request per lead and trigger, with the shared secret in a custom header
 * (Marketo webhooks cannot sign; the admin adds the header in "Set Custom Header").
 * Marketo does not retry a failed webhook call; `retries` exists for tests only.
 */
import { randomUUID } from "node:crypto";
import { MARKETO_WEBHOOK_SECRET_HEADER } from "../webhooks.ts";
import { formatDatetime } from "./fields.ts";
import type { LeadChange } from "./store.ts";

export interface WebhookPayload {
  leadId: string;
  email: string | null;
  trigger: "Person is Created" | "Data Value Changes";
  changed: string[];
  updatedAt: string;
  /** One per trigger, so a receiver can tell a repeated delivery from a new change. */
  eventId: string;
}

export interface WebhookDelivery {
  url: string;
  payload: WebhookPayload;
  status: number | null;
  ok: boolean;
  attempt: number;
  at: number;
}

export interface WebhookSenderOptions {
  url: string | null;
  secret: string;
  maxInFlight?: number;
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
}

export class WebhookSender {
  url: string | null;
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queue: Array<{ payload: WebhookPayload; attempt: number }> = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: WebhookSenderOptions) {
    this.url = options.url;
  }

  enqueue(change: LeadChange): void {
    if (!this.url || this.closed) return;
    this.queue.push({
      attempt: 1,
      payload: {
        leadId: String(change.lead.id),
        email: typeof change.lead.values.email === "string" ? change.lead.values.email : null,
        trigger: change.kind === "created" ? "Person is Created" : "Data Value Changes",
        changed: change.changed,
        updatedAt: formatDatetime(change.lead.updatedAt),
        eventId: randomUUID(),
      },
    });
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    while (this.inFlight < (this.options.maxInFlight ?? 10) && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.inFlight++;
      void this.deliver(next.payload, next.attempt).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.checkIdle();
  }

  private async deliver(payload: WebhookPayload, attempt: number): Promise<void> {
    const url = this.url;
    if (!url || this.closed) return;
    let status: number | null = null;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [MARKETO_WEBHOOK_SECRET_HEADER]: this.options.secret,
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      status = response.status;
    } catch {
      status = null;
    }
    const ok = status !== null && status >= 200 && status < 300;
    this.deliveries.push({ url, payload, status, ok, attempt, at: Date.now() });
    if (ok || this.closed || attempt > (this.options.retries ?? 0)) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queue.push({ payload, attempt: attempt + 1 });
      this.pump();
    }, this.options.retryDelayMs ?? 100);
    this.timers.add(timer);
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0 || this.timers.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      queueMicrotask(() => this.checkIdle());
    });
  }

  setUrl(url: string | null): void {
    this.url = url;
    if (url === null) this.discard();
  }

  private discard(): void {
    this.queue.length = 0;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.checkIdle();
  }

  close(): void {
    this.closed = true;
    this.discard();
  }
}
