/**
 * Email subscription state of the HubSpot simulator: subscription definitions (types) and,
 * per email address, one status per subscription plus the portal-wide "unsubscribed from
 * all" flag. HubSpot ties these statuses to the email address, not to a contact record.
 * Docs: https://developers.hubspot.com/docs/api-reference/legacy/communication-preferences
 */
import { LEGAL_BASES } from "../../contract.ts";
import type { ChangeSource } from "./store.ts";

export interface SubscriptionDefinitionSeed {
  id: string;
  name: string;
  description?: string;
  purpose?: string;
}

export interface SubscriptionDefinition {
  id: string;
  name: string;
  description: string;
  purpose: string;
  communicationMethod: "Email";
  isActive: boolean;
  isDefault: boolean;
  isInternal: boolean;
  createdAt: number;
  updatedAt: number;
}

export const DEFAULT_SUBSCRIPTIONS: SubscriptionDefinitionSeed[] = [
  { id: "1001", name: "Marketing Information", purpose: "Marketing" },
  { id: "1002", name: "Newsletter", purpose: "Marketing" },
  { id: "1003", name: "Product updates", purpose: "Product" },
];

/** v4 states; v3 shows SUBSCRIBED or NOT_SUBSCRIBED. */
export type StatusState = "SUBSCRIBED" | "UNSUBSCRIBED" | "NOT_SPECIFIED";

export const STATUS_STATES: readonly StatusState[] = [
  "SUBSCRIBED",
  "UNSUBSCRIBED",
  "NOT_SPECIFIED",
];

export { LEGAL_BASES };

export interface StoredStatus {
  subscriptionId: string;
  status: Exclude<StatusState, "NOT_SPECIFIED">;
  legalBasis?: string;
  legalBasisExplanation?: string;
  /** Free text HubSpot shows as the source ("API", "Self Service Resubscription", ...). */
  source: string;
  timestamp: number;
}

export interface Subscriber {
  statuses: Map<string, StoredStatus>;
  unsubscribedAll?: { timestamp: number; source: string };
}

export interface ConsentChange {
  email: string;
  /** A subscription id, or "all" for the portal-wide opt-out. */
  subscriptionId: string;
  status: StatusState;
  at: number;
  source: ChangeSource;
}

export interface SetOptions {
  legalBasis?: string;
  legalBasisExplanation?: string;
  source: ChangeSource;
  sourceLabel?: string;
}

const key = (email: string) => email.trim().toLowerCase();

export class ConsentStore {
  private readonly definitionsById: Map<string, SubscriptionDefinition>;
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly listeners: Array<(change: ConsentChange) => void> = [];

  constructor(
    seeds: SubscriptionDefinitionSeed[],
    private readonly tick: () => number,
  ) {
    const at = Date.now() - 86_400_000;
    this.definitionsById = new Map(
      seeds.map((seed, index) => [
        seed.id,
        {
          id: seed.id,
          name: seed.name,
          description: seed.description ?? seed.name,
          purpose: seed.purpose ?? "Marketing",
          communicationMethod: "Email",
          isActive: true,
          isDefault: index === 0,
          isInternal: false,
          createdAt: at,
          updatedAt: at,
        },
      ]),
    );
  }

  onChange(listener: (change: ConsentChange) => void): void {
    this.listeners.push(listener);
  }

  definitions(): SubscriptionDefinition[] {
    return [...this.definitionsById.values()];
  }

  definition(id: string): SubscriptionDefinition | undefined {
    return this.definitionsById.get(id);
  }

  subscriber(email: string): Subscriber | undefined {
    return this.subscribers.get(key(email));
  }

  statusOf(email: string, subscriptionId: string): StoredStatus | undefined {
    return this.subscriber(email)?.statuses.get(subscriptionId);
  }

  /** Sets one subscription's status; NOT_SPECIFIED removes it. Returns whether it changed. */
  set(email: string, subscriptionId: string, state: StatusState, options: SetOptions): boolean {
    let subscriber = this.subscribers.get(key(email));
    const current = subscriber?.statuses.get(subscriptionId);
    const resubscribesAll = state === "SUBSCRIBED" && subscriber?.unsubscribedAll !== undefined;
    if ((current?.status ?? "NOT_SPECIFIED") === state && !resubscribesAll) {
      if (current && state === "SUBSCRIBED" && options.legalBasis) {
        current.legalBasis = options.legalBasis;
        current.legalBasisExplanation = options.legalBasisExplanation;
      }
      return false;
    }
    const at = this.tick();
    if (!subscriber) {
      subscriber = { statuses: new Map() };
      this.subscribers.set(key(email), subscriber);
    }
    if (state === "NOT_SPECIFIED") subscriber.statuses.delete(subscriptionId);
    else {
      subscriber.statuses.set(subscriptionId, {
        subscriptionId,
        status: state,
        legalBasis: options.legalBasis,
        legalBasisExplanation: options.legalBasisExplanation,
        source: options.sourceLabel ?? (options.source === "CRM_UI" ? "Self Service" : "API"),
        timestamp: at,
      });
    }
    // A v4 SUBSCRIBED lifts the portal-wide opt-out (see BEHAVIOR.md: an assumption).
    if (resubscribesAll) {
      subscriber.unsubscribedAll = undefined;
      this.emit({
        email,
        subscriptionId: "all",
        status: "NOT_SPECIFIED",
        at,
        source: options.source,
      });
    }
    if ((current?.status ?? "NOT_SPECIFIED") !== state) {
      this.emit({ email, subscriptionId, status: state, at, source: options.source });
    }
    return true;
  }

  /** Portal-wide opt-out ("unsubscribe from all"); NOT_SPECIFIED clears it. */
  setAll(email: string, state: "UNSUBSCRIBED" | "NOT_SPECIFIED", options: SetOptions): boolean {
    let subscriber = this.subscribers.get(key(email));
    const isOut = subscriber?.unsubscribedAll !== undefined;
    if (isOut === (state === "UNSUBSCRIBED")) return false;
    const at = this.tick();
    if (!subscriber) {
      subscriber = { statuses: new Map() };
      this.subscribers.set(key(email), subscriber);
    }
    subscriber.unsubscribedAll =
      state === "UNSUBSCRIBED"
        ? {
            timestamp: at,
            source: options.sourceLabel ?? (options.source === "CRM_UI" ? "Self Service" : "API"),
          }
        : undefined;
    this.emit({ email, subscriptionId: "all", status: state, at, source: options.source });
    return true;
  }

  /** GDPR delete: every status of this email is forgotten (no events). */
  forget(email: string): void {
    this.subscribers.delete(key(email));
  }

  private emit(change: ConsentChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
