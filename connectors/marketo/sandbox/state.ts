import type { ActivityLog } from "./activities.ts";
import type {
  DailyQuota,
  FaultInjector,
  InFlight,
  MarketoRequestLogEntry,
  RollingWindow,
} from "./limits.ts";
import type { LeadStore } from "./store.ts";
import type { TokenRegistry } from "./tokens.ts";
import type { WebhookSender } from "./webhook-sender.ts";

/** Everything the routes share. */
export interface SandboxState {
  clientId: string;
  clientSecret: string;
  store: LeadStore;
  activities: ActivityLog;
  tokens: TokenRegistry;
  rate: RollingWindow;
  quota: DailyQuota;
  concurrency: number;
  inFlight: InFlight;
  faults: FaultInjector;
  log: MarketoRequestLogEntry[];
  sender: WebhookSender;
  /** Activities examined per activities.json call (see ActivityLog.page). */
  activityScanSize: number;
  /** Added to every REST call, to make concurrency observable. */
  latencyMs: number;
}
