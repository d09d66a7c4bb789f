/**
 * Delivers contact change events like HubSpot does: JSON arrays of up to 100 events, at most
 * 10 requests in flight, signed with v3, a failed delivery retried with back-off up to 10
 * times (HubSpot spreads them over 24 h; here the base delay is configurable).
 */
import { signHubspotV3 } from "../webhooks.ts";
import type { ContactChange } from "./store.ts";

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
}

export interface WebhookSenderOptions {
  url: string | null;
  clientSecret: string;
  portalId: number;
  appId: number;
  batchDelayMs: number;
  retryBaseMs: number;
  maxRetries?: number;
  maxInFlight?: number;
}

const SUBSCRIPTION_IDS: Record<ContactChange["type"], number> = {
  creation: 5001,
  propertyChange: 5002,
  deletion: 5003,
  privacyDeletion: 5004,
  merge: 5005,
};

export class WebhookSender {
  url: string | null;
  private pending: WebhookEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly waiting: WebhookEvent[][] = [];
  private inFlight = 0;
  private nextEventId = 1;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Deliveries abandoned after the last retry, for tests and diagnostics. */
  readonly dropped: WebhookEvent[][] = [];

  constructor(private readonly options: WebhookSenderOptions) {
    this.url = options.url;
  }

  enqueue(change: ContactChange): void {
    if (!this.url || this.closed) return;
    const event: WebhookEvent = {
      eventId: this.nextEventId++,
      subscriptionId: SUBSCRIPTION_IDS[change.type],
      portalId: this.options.portalId,
      appId: this.options.appId,
      occurredAt: change.at,
      subscriptionType: `contact.${change.type}`,
      attemptNumber: 0,
      objectId: Number(change.id),
      changeSource: change.source,
    };
    if (change.type === "creation") event.changeFlag = "NEW";
    if (change.type === "deletion" || change.type === "privacyDeletion") {
      event.changeFlag = "DELETED";
    }
    if (change.type === "propertyChange") {
      event.propertyName = change.propertyName;
      event.propertyValue = change.propertyValue;
    }
    if (change.type === "merge") {
      event.primaryObjectId = Number(change.primaryObjectId);
      event.mergedObjectIds = change.mergedObjectIds.map(Number);
      event.newObjectId = Number(change.id);
    }
    this.pending.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchDelayMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    while (this.pending.length > 0) this.waiting.push(this.pending.splice(0, 100));
    this.pump();
  }

  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 10;
    while (this.inFlight < maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.shift()!;
      this.inFlight++;
      void this.deliver(batch).finally(() => {
        this.inFlight--;
        this.pump();
        this.checkIdle();
      });
    }
    this.checkIdle();
  }

  private async deliver(batch: WebhookEvent[]): Promise<void> {
    const url = this.url;
    if (!url || this.closed) return;
    const body = JSON.stringify(batch);
    const timestamp = Date.now();
    const signature = await signHubspotV3({
      method: "POST",
      url,
      rawBody: body,
      clientSecret: this.options.clientSecret,
      timestamp,
    });
    let ok = false;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hubspot-signature-v3": signature,
          "x-hubspot-request-timestamp": String(timestamp),
          "x-hubspot-signature-version": "v3",
        },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch {
      ok = false;
    }
    if (ok || this.closed) return;
    const attempt = batch[0]?.attemptNumber ?? 0;
    if (attempt >= (this.options.maxRetries ?? 10)) {
      this.dropped.push(batch);
      return;
    }
    const retry = batch.map((event) => ({ ...event, attemptNumber: attempt + 1 }));
    const delay = this.options.retryBaseMs * 2 ** attempt;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.waiting.push(retry);
      this.pump();
    }, delay);
    this.retryTimers.add(timer);
  }

  private isIdle(): boolean {
    return (
      this.pending.length === 0 &&
      this.flushTimer === undefined &&
      this.waiting.length === 0 &&
      this.inFlight === 0 &&
      this.retryTimers.size === 0
    );
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivery (url null): queued and retrying deliveries are discarded. */
  setUrl(url: string | null): void {
    this.url = url;
    if (url === null) this.discard();
  }

  private discard(): void {
    this.pending = [];
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.waiting.length = 0;
    this.checkIdle();
  }

  close(): void {
    this.closed = true;
    this.discard();
  }
}
