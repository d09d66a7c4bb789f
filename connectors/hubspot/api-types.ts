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

/* ---- Communication preferences (consent) ---- */

const LegalBasisText = z.string().optional().nullable();

/** One v4 status (batch read / write results). `subscriptionId` is a number on the wire. */
export const HubspotV4Status = z.object({
  subscriberIdString: z.string(),
  subscriptionId: z.union([z.number(), z.string()]).transform(String),
  status: z.enum(["SUBSCRIBED", "UNSUBSCRIBED", "NOT_SPECIFIED"]),
  channel: z.string().optional(),
  timestamp: z.string().optional(),
  source: z.string().optional().nullable(),
  legalBasis: LegalBasisText,
  legalBasisExplanation: LegalBasisText,
  setStatusSuccessReason: z.string().optional(),
});
export type HubspotV4Status = z.infer<typeof HubspotV4Status>;

export const HubspotV4BatchError = z.object({
  category: z.string().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});

export const HubspotV4StatusesResponse = z.object({
  results: z.array(
    z.object({ subscriberIdString: z.string(), statuses: z.array(HubspotV4Status) }),
  ),
  errors: z.array(HubspotV4BatchError).optional(),
});

export const HubspotV4WideResponse = z.object({
  results: z.array(
    z.object({
      subscriberIdString: z.string(),
      wideStatuses: z.array(
        z.object({
          status: z.enum(["SUBSCRIBED", "UNSUBSCRIBED", "NOT_SPECIFIED"]),
          timestamp: z.string().optional(),
          wideStatusType: z.string().optional(),
        }),
      ),
    }),
  ),
});

export const HubspotV4WriteResponse = z.object({
  results: z.array(HubspotV4Status),
  errors: z.array(HubspotV4BatchError).optional(),
});

/** v3 status: SUBSCRIBED | NOT_SUBSCRIBED, no timestamp; PORTAL_WIDE_STATUS = unsubscribed from all. */
export const HubspotV3Status = z.object({
  id: z.string(),
  status: z.enum(["SUBSCRIBED", "NOT_SUBSCRIBED"]),
  sourceOfStatus: z.string(),
  legalBasis: LegalBasisText,
  legalBasisExplanation: LegalBasisText,
});
export const HubspotV3StatusesResponse = z.object({
  recipient: z.string(),
  subscriptionStatuses: z.array(HubspotV3Status),
});
export type HubspotV3Status = z.infer<typeof HubspotV3Status>;

/* ---- Engagements ---- */

const AssociationFrom = z.object({ id: z.union([z.string(), z.number()]).transform(String) });

/** v4 association batch read. The SDK renames `from` to `_from` (like `new` -> `_new`). */
export const HubspotAssociationBatchResponse = z.object({
  results: z.array(
    z
      .object({
        from: AssociationFrom.optional(),
        _from: AssociationFrom.optional(),
        to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]).transform(String) })),
      })
      .transform(({ from, _from, to }) => ({ from: (from ?? _from)!, to }))
      .refine((r) => r.from !== undefined, "from or _from is required"),
  ),
});

/**
 * One marketing-email event (legacy `/email/public/v1/events`). `created` is epoch ms; `url`
 * only on CLICK; UNBOUNCE events carry no type/recipient (they are not read).
 */
export const HubspotEmailEvent = z.looseObject({
  id: z.string(),
  created: z.number(),
  type: z.string().optional(),
  recipient: z.string().optional(),
  emailCampaignId: z.number().optional(),
  url: z.string().optional(),
  category: z.string().optional(),
  subject: z.string().optional(),
});
export type HubspotEmailEvent = z.infer<typeof HubspotEmailEvent>;

/** Only `hasMore: false` ends the listing: filtered pages can be short or empty. */
export const HubspotEmailEventsResponse = z.object({
  events: z.array(HubspotEmailEvent),
  hasMore: z.boolean(),
  offset: z.string().optional(),
});

/** `GET /marketing/v3/forms/`. */
export const HubspotFormsResponse = z.object({
  results: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

/** `GET /form-integrations/v1/submissions/forms/{formGuid}`, newest first. */
export const HubspotSubmissionsResponse = z.object({
  results: z.array(
    z.object({
      conversionId: z.string(),
      submittedAt: z.number(),
      values: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
      pageUrl: z.string().optional(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
