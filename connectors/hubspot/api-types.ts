/**
 * Raw HubSpot shapes this connector reads, validated with zod at the boundary.
 * Docs: https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts
 * and https://developers.hubspot.com/docs/api/webhooks (event payload).
 */
import { z } from "zod";

/** Every property value arrives as a string; a requested property with no value is null. */
export const HubspotProperties = z.record(z.string(), z.string().nullable());

/**
 * A CRM object as the v3 object endpoints return it. The SDK turns createdAt/updatedAt into
 * Date objects, the raw JSON has ISO strings: accept both.
 */
export const HubspotContact = z.object({
  id: z.string(),
  properties: HubspotProperties,
  createdAt: z.union([z.string(), z.date()]).optional(),
  updatedAt: z.union([z.string(), z.date()]).optional(),
  archived: z.boolean().optional(),
  objectWriteTraceId: z.string().optional(),
  /** Only on batch/upsert results: true when the record was created. */
  new: z.boolean().optional(),
  /** The SDK renames `new` to `_new` when it deserialises an upsert result. */
  _new: z.boolean().optional(),
});
export type HubspotContact = z.infer<typeof HubspotContact>;

/** One entry of `errors[]` in a 207 batch response (StandardError). */
export const HubspotBatchError = z.object({
  status: z.string().optional(),
  category: z.string(),
  message: z.string(),
  context: z.record(z.string(), z.array(z.string())).optional(),
  errors: z
    .array(
      z.object({
        message: z.string().optional(),
        code: z.string().optional(),
        context: z.unknown().optional(),
      }),
    )
    .optional(),
});
export type HubspotBatchError = z.infer<typeof HubspotBatchError>;

export const HubspotBatchResponse = z.object({
  status: z.string(),
  results: z.array(HubspotContact),
  numErrors: z.number().optional(),
  errors: z.array(HubspotBatchError).optional(),
});
export type HubspotBatchResponse = z.infer<typeof HubspotBatchResponse>;

export const HubspotSearchResponse = z.object({
  total: z.number(),
  results: z.array(HubspotContact),
  paging: z
    .object({ next: z.object({ after: z.string(), link: z.string().optional() }).optional() })
    .optional(),
});
export type HubspotSearchResponse = z.infer<typeof HubspotSearchResponse>;

/** The error body every HubSpot API error carries (fields are all optional in practice). */
export const HubspotErrorBody = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string().optional(),
  correlationId: z.string().optional(),
  policyName: z.string().optional(),
  errorType: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});
export type HubspotErrorBody = z.infer<typeof HubspotErrorBody>;

/** One webhook event (HubSpot sends a JSON array of up to 100 of these). */
export const HubspotWebhookEvent = z.object({
  eventId: z.number(),
  subscriptionId: z.number(),
  portalId: z.number(),
  appId: z.number().optional(),
  occurredAt: z.number(),
  subscriptionType: z.string().regex(/^[A-Za-z_]+\.[A-Za-z_]+$/, "expected object.eventType"),
  attemptNumber: z.number(),
  objectId: z.number(),
  changeSource: z.string().optional(),
  changeFlag: z.string().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  sourceId: z.string().optional(),
  mergedObjectIds: z.array(z.number()).optional(),
  newObjectId: z.number().optional(),
  primaryObjectId: z.number().optional(),
  numberOfPropertiesMoved: z.number().optional(),
});
export type HubspotWebhookEvent = z.infer<typeof HubspotWebhookEvent>;

export const HubspotWebhookEvents = z.array(HubspotWebhookEvent).max(100);
