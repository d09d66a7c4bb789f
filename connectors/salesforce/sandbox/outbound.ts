/**
 * Outbound Message delivery as Salesforce does it: notifications are queued per change,
 * sent in batches of up to 100 per SOAP request, and redelivered with back-off (same
 * notification ids) until the endpoint answers `notificationsResponse{Ack:true}`.
 */
import { buildOutboundMessage, isAckResponse, type OutboundNotification } from "../webhooks.ts";
import {
  createIdFactory,
  fieldDef,
  formatSoapDatetime,
  type SObjectType,
  type StoredRecord,
} from "./schema.ts";

export interface OutboundOptions {
  organizationId: string;
  baseUrl: () => string;
  apiVersion: string;
  target: () => string | null;
  batchDelayMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
}

export interface OutboundDelivery {
  at: number;
  url: string;
  attempt: number;
  notificationIds: string[];
  status: number;
  acked: boolean;
}

const MAX_PER_MESSAGE = 100;

export class OutboundQueue {
  private pending: OutboundNotification[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly newNotificationId = createIdFactory("1I");
  private readonly actionId: string;
  private readonly sessionId: string;
  readonly deliveries: OutboundDelivery[] = [];

  constructor(private readonly options: OutboundOptions) {
    this.actionId = createIdFactory("1I")("04k");
    // A stand-in session id: never the API access token.
    const random = Array.from({ length: 40 }, () =>
      Math.floor(Math.random() * 36).toString(36),
    ).join("");
    this.sessionId = `${options.organizationId.slice(0, 15)}!AQ${random}`;
  }

  enqueue(type: SObjectType, record: StoredRecord): void {
    if (this.closed || !this.options.target()) return;
    const fields: OutboundNotification["fields"] = {};
    for (const [name, value] of Object.entries(record)) {
      fields[name] =
        fieldDef(type, name)?.type === "datetime" && typeof value === "number"
          ? formatSoapDatetime(value)
          : value;
    }
    this.pending.push({ id: this.newNotificationId("04l"), sObjectType: type, fields });
    this.timer ??= setTimeout(() => this.flush(), this.options.batchDelayMs);
  }

  private flush(): void {
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_PER_MESSAGE);
      void this.deliver(batch, 1);
    }
    this.settle();
  }

  private async deliver(batch: OutboundNotification[], attempt: number): Promise<void> {
    const url = this.options.target();
    if (this.closed || !url) return this.settle();
    this.inFlight++;
    const origin = this.options.baseUrl();
    const org15 = this.options.organizationId.slice(0, 15);
    const body = buildOutboundMessage({
      organizationId: this.options.organizationId,
      actionId: this.actionId,
      sessionId: this.sessionId,
      enterpriseUrl: `${origin}/services/Soap/c/${this.options.apiVersion}/${org15}`,
      partnerUrl: `${origin}/services/Soap/u/${this.options.apiVersion}/${org15}`,
      notifications: batch,
    });
    let status = 0;
    let acked = false;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8", SOAPAction: '""' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      const text = await response.text();
      acked = status === 200 && isAckResponse(text);
    } catch {
      acked = false;
    }
    this.deliveries.push({
      at: Date.now(),
      url,
      attempt,
      notificationIds: batch.map((n) => n.id),
      status,
      acked,
    });
    this.inFlight--;
    if (!acked && attempt < this.options.maxAttempts && !this.closed) {
      const wait = Math.min(
        this.options.retryBaseMs * 2 ** (attempt - 1),
        this.options.retryBaseMs * 64,
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.deliver(batch, attempt + 1);
      }, wait);
      this.retryTimers.add(timer);
    }
    this.settle();
  }

  private get busy(): boolean {
    return (
      this.pending.length > 0 ||
      this.timer !== undefined ||
      this.inFlight > 0 ||
      this.retryTimers.size > 0
    );
  }

  private settle(): void {
    if (this.busy) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.pending = [];
    this.settle();
  }
}
