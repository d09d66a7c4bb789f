/**
 * How the communication preferences APIs print subscription state: v3 objects
 * (SUBSCRIBED | NOT_SUBSCRIBED, `sourceOfStatus`) and v4 objects (SUBSCRIBED | UNSUBSCRIBED |
 * NOT_SPECIFIED, with a timestamp), plus the v4 batch envelope.
 */
import type { ConsentStore, StatusState, SubscriptionDefinition } from "./consent-store.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function v3Definition(definition: SubscriptionDefinition): Record<string, unknown> {
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    purpose: definition.purpose,
    communicationMethod: definition.communicationMethod,
    isActive: definition.isActive,
    isDefault: definition.isDefault,
    isInternal: definition.isInternal,
    createdAt: iso(definition.createdAt),
    updatedAt: iso(definition.updatedAt),
  };
}

/**
 * One v3 status. A portal-wide opt-out overrides every subscription (sourceOfStatus
 * PORTAL_WIDE_STATUS). Returns undefined for a subscription the email has no status for.
 */
export function v3Status(
  consent: ConsentStore,
  email: string,
  definition: SubscriptionDefinition,
): Record<string, unknown> | undefined {
  const subscriber = consent.subscriber(email);
  const stored = subscriber?.statuses.get(definition.id);
  const all = subscriber?.unsubscribedAll !== undefined;
  if (!stored && !all) return undefined;
  const body: Record<string, unknown> = {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    status: !all && stored?.status === "SUBSCRIBED" ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
    sourceOfStatus: all ? "PORTAL_WIDE_STATUS" : "SUBSCRIPTION_STATUS",
    preferenceGroupName: definition.purpose,
  };
  if (stored?.legalBasis) body.legalBasis = stored.legalBasis;
  if (stored?.legalBasisExplanation) body.legalBasisExplanation = stored.legalBasisExplanation;
  return body;
}

export function v4Status(
  consent: ConsentStore,
  email: string,
  definition: SubscriptionDefinition,
  reason?: string,
): Record<string, unknown> {
  const stored = consent.statusOf(email, definition.id);
  const status: StatusState = stored?.status ?? "NOT_SPECIFIED";
  const body: Record<string, unknown> = {
    channel: "EMAIL",
    subscriberIdString: email,
    subscriptionId: Number(definition.id),
    subscriptionName: definition.name,
    status,
    source: stored?.source ?? "",
    timestamp: iso(stored?.timestamp ?? definition.createdAt),
  };
  if (stored?.legalBasis) body.legalBasis = stored.legalBasis;
  if (stored?.legalBasisExplanation) body.legalBasisExplanation = stored.legalBasisExplanation;
  if (reason) body.setStatusSuccessReason = reason;
  return body;
}

/** The portal-wide status; an empty list when the email has not unsubscribed from all. */
export function v4WideStatuses(consent: ConsentStore, email: string): Record<string, unknown>[] {
  const all = consent.subscriber(email)?.unsubscribedAll;
  if (!all) return [];
  return [
    {
      channel: "EMAIL",
      subscriberIdString: email,
      status: "UNSUBSCRIBED",
      wideStatusType: "PORTAL_WIDE",
      timestamp: iso(all.timestamp),
    },
  ];
}

export function envelope(results: unknown[], errors: unknown[] = []): Record<string, unknown> {
  const now = new Date().toISOString();
  const body: Record<string, unknown> = {
    status: "COMPLETE",
    results,
    requestedAt: now,
    startedAt: now,
    completedAt: now,
  };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  return body;
}
