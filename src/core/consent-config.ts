import { z } from "zod";
import { CONSENT_CHANNELS, type SystemName } from "../../connectors/contract.ts";
import type { ConsentSlot } from "./consent-plan.ts";
import { MappingError, parseConfigFile } from "./mapping-spec.ts";

/**
 * `mappings/consent.json`: the purposes (subscriptions) the hub tracks, per channel, and
 * where each system keeps them. Channel-wide opt-outs (purpose null) map to HubSpot's
 * "unsubscribe from all" and to Salesforce fields such as HasOptedOutOfEmail.
 */
export const ConsentConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  purposes: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z][a-z0-9_]*$/, "lower-case letters, digits and _"),
        channel: z.enum(CONSENT_CHANNELS),
        label: z.string().optional(),
        hubspot: z.strictObject({ subscriptionId: z.string().min(1) }).optional(),
        salesforce: z.strictObject({ dataUsePurposeName: z.string().min(1) }).optional(),
      }),
    )
    .default([]),
  channels: z
    .partialRecord(
      z.enum(CONSENT_CHANNELS),
      z.strictObject({ salesforce: z.strictObject({ field: z.string().min(1) }).optional() }),
    )
    .default({}),
  /** Use Individual + ContactPointTypeConsent for per-purpose consent in Salesforce. */
  salesforceIndividualConsent: z.boolean().default(false),
});
export type ConsentConfig = z.infer<typeof ConsentConfigSchema>;

export function parseConsentConfig(file: string, json: unknown): ConsentConfig {
  const config = parseConfigFile(ConsentConfigSchema, file, json);
  const seen = new Set<string>();
  config.purposes.forEach((purpose, i) => {
    if (seen.has(purpose.id))
      throw new MappingError(`${file}: purposes[${i}].id: "${purpose.id}" is listed twice`);
    seen.add(purpose.id);
  });
  return config;
}

/**
 * The consent slots each system holds. HubSpot: "unsubscribe from all" per channel plus
 * one slot per subscription, and it wants a legal basis for every opt-in. Salesforce: the
 * channel-wide opt-out fields, plus per-purpose consent when Individual consent is on.
 */
export function consentSlots(config: ConsentConfig): Map<SystemName, ConsentSlot[]> {
  const hubspot: ConsentSlot[] = [
    { channel: "email", purpose: null, optInNeedsLegalBasis: true },
    ...config.purposes
      .filter((p) => p.hubspot)
      .map((p) => ({ channel: p.channel, purpose: p.id, optInNeedsLegalBasis: true })),
  ];
  const salesforce: ConsentSlot[] = [
    ...Object.entries(config.channels)
      .filter(([, c]) => c?.salesforce)
      .map(([channel]) => ({
        channel: channel as ConsentSlot["channel"],
        purpose: null,
        optInNeedsLegalBasis: false,
      })),
    ...(config.salesforceIndividualConsent
      ? config.purposes
          .filter((p) => p.salesforce)
          .map((p) => ({ channel: p.channel, purpose: p.id, optInNeedsLegalBasis: false }))
      : []),
  ];
  // Marketo holds one channel-wide email opt-out per lead (`unsubscribed`).
  const marketo: ConsentSlot[] = [{ channel: "email", purpose: null, optInNeedsLegalBasis: false }];
  return new Map([
    ["hubspot", hubspot],
    ["salesforce", salesforce],
    ["marketo", marketo],
  ]);
}

/** What each connector is told about consent, from the same file. */
export function connectorConsentOptions(config: ConsentConfig) {
  return {
    hubspot: {
      subscriptions: config.purposes
        .filter((p) => p.hubspot && p.channel === "email")
        .map((p) => ({
          subscriptionId: p.hubspot!.subscriptionId,
          channel: "email" as const,
          purpose: p.id,
        })),
    },
    salesforce: {
      fields: Object.entries(config.channels).flatMap(([channel, c]) =>
        c?.salesforce
          ? [
              {
                field: c.salesforce.field,
                channel: channel as ConsentSlot["channel"],
                purpose: null,
              },
            ]
          : [],
      ),
      ...(config.salesforceIndividualConsent
        ? {
            individual: {
              purposes: config.purposes
                .filter((p) => p.salesforce)
                .map((p) => ({
                  purpose: p.id,
                  channel: p.channel,
                  dataUsePurposeName: p.salesforce!.dataUsePurposeName,
                })),
            },
          }
        : {}),
    },
  };
}
