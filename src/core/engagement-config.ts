import { z } from "zod";
import { ENGAGEMENT_TYPES } from "../../connectors/contract.ts";
import { parseConfigFile } from "./mapping-spec.ts";

/**
 * `mappings/engagement.json`: which engagement becomes a Salesforce Task on the person,
 * the way marketing-ops expect to see MA activity on the lead.
 */
export const EngagementConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  salesforceTasks: z
    .strictObject({
      enabled: z.boolean().default(true),
      types: z
        .array(z.enum(ENGAGEMENT_TYPES))
        .default(["email_click", "form_submit", "meeting", "webinar"]),
      fromSystems: z.array(z.enum(["hubspot", "marketo"])).default(["hubspot", "marketo"]),
      subjectPrefix: z.string().max(40).default("[tsunagu]"),
    })
    .default({
      enabled: true,
      types: ["email_click", "form_submit", "meeting", "webinar"],
      fromSystems: ["hubspot", "marketo"],
      subjectPrefix: "[tsunagu]",
    }),
});
export type EngagementConfig = z.infer<typeof EngagementConfigSchema>;

export function parseEngagementConfig(file: string, json: unknown): EngagementConfig {
  return parseConfigFile(EngagementConfigSchema, file, json);
}
