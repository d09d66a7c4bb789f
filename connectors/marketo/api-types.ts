/**
 * Raw shapes of the Marketo REST answers the connector reads (swagger-mapi.json,
 * swagger-identity.json). Codes are strings ("606"); lead ids are integers.
 */
import { z } from "zod";

export const MarketoError = z.object({
  code: z.union([z.string(), z.number()]).transform(String),
  message: z.string().default(""),
});
export type MarketoError = z.infer<typeof MarketoError>;

/** Every REST answer. `result` is missing when there is nothing (activities pages). */
export const MarketoEnvelope = z.looseObject({
  requestId: z.string().optional(),
  success: z.boolean(),
  result: z.array(z.unknown()).optional(),
  errors: z.array(MarketoError).optional(),
  warnings: z.array(z.unknown()).optional(),
  moreResult: z.boolean().optional(),
  nextPageToken: z.string().optional(),
});
export type MarketoEnvelope = z.infer<typeof MarketoEnvelope>;

/** A lead as Get Leads returns it: id plus the requested fields. */
export const MarketoLead = z.looseObject({
  id: z.number().int(),
  updatedAt: z.string().nullable().optional(),
});
export type MarketoLead = z.infer<typeof MarketoLead>;

/**
 * One record's outcome of Sync Leads. The swagger says `reason`, the wire says `reasons`
 * (an array); both are accepted.
 */
export const MarketoSyncResult = z.object({
  id: z.number().int().optional(),
  status: z.string(),
  reasons: z.array(MarketoError).optional(),
  reason: MarketoError.optional(),
});
export type MarketoSyncResult = z.infer<typeof MarketoSyncResult>;

export const MarketoActivity = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  marketoGUID: z.string().optional(),
  leadId: z.number().int(),
  activityDate: z.string(),
  activityTypeId: z.number().int(),
  campaignId: z.number().optional().nullable(),
  primaryAttributeValueId: z.union([z.number(), z.string()]).optional().nullable(),
  primaryAttributeValue: z.string().optional().nullable(),
  attributes: z
    .array(z.object({ name: z.string(), value: z.unknown().optional() }))
    .optional()
    .default([]),
});
export type MarketoActivity = z.infer<typeof MarketoActivity>;

export const MarketoTokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number(),
  scope: z.string().optional(),
});

export const MarketoOAuthError = z.object({
  error: z.string().min(1).max(100),
  error_description: z.string().optional(),
});
