import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { SystemName } from "../../../connectors/contract.ts";
import type { AppDeps } from "../deps.ts";
import { problemResponses } from "../views.ts";

const HubInfoView = z
  .object({
    systems: z.array(z.string()).openapi({ description: "The connected systems" }),
    csvMappings: z.array(z.string()).openapi({ description: "CSV mappings an import may name" }),
    recordLinks: z.record(z.string(), z.string()).openapi({
      description:
        "Per system, a URL template of one record ({object}, {id}); only the simulators' are known to the hub",
    }),
  })
  .openapi("HubInfo");

/** What the console needs to know about this hub to draw its forms and links. */
export function registerHubInfo(app: OpenAPIHono, deps: AppDeps, connected: () => SystemName[]) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/hub",
      summary: "The connected systems, the CSV mappings and where a record of each system is seen",
      responses: {
        200: { description: "Hub", content: { "application/json": { schema: HubInfoView } } },
        ...problemResponses,
      },
    }),
    (c) => {
      const sandbox = deps.sandbox?.();
      const recordLinks: Record<string, string> = {};
      if (sandbox?.hubspot)
        recordLinks.hubspot = `${sandbox.hubspot.baseUrl}/_sandbox/contacts/{id}`;
      if (sandbox?.salesforce)
        recordLinks.salesforce = `${sandbox.salesforce.instanceUrl}/_sandbox/sobjects/{object}/{id}`;
      return c.json(
        {
          systems: connected(),
          csvMappings: [...(deps.imports?.csv.keys() ?? [])],
          recordLinks,
        },
        200,
      );
    },
  );
}
