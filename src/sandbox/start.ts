import {
  type HubspotSandboxOptions,
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import {
  type MarketoSandboxOptions,
  marketoSeed,
  type RunningMarketoSandbox,
  startMarketoSandbox,
} from "../../connectors/marketo/sandbox/index.ts";
import {
  type RunningSalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";

export interface Sandboxes {
  hubspot?: RunningHubspotSandbox;
  salesforce?: RunningSalesforceSandbox;
  marketo?: RunningMarketoSandbox;
}

export interface SandboxPlan {
  hubspot?: HubspotSandboxOptions;
  salesforce?: SalesforceSandboxOptions;
  marketo?: MarketoSandboxOptions;
  /** How many fake people to seed across the simulators. */
  people: number;
}

/** Starts the simulators the hub has no credentials for, seeded with the same fake people. */
export async function startSandboxes(plan: SandboxPlan): Promise<Sandboxes> {
  // The fake-data library is tens of MiB in memory: loaded only to seed somebody.
  const seeds = plan.people > 0 ? await import("./people.ts") : null;
  const people = seeds?.seedPeople(plan.people) ?? [];
  const [hubspot, salesforce, marketo] = await Promise.all([
    plan.hubspot
      ? startHubspotSandbox({ ...(seeds && { seed: seeds.hubspotSeed(people) }), ...plan.hubspot })
      : undefined,
    plan.salesforce
      ? startSalesforceSandbox({
          ...(seeds && { seed: seeds.salesforceSeed(people) }),
          ...plan.salesforce,
        })
      : undefined,
    plan.marketo
      ? startMarketoSandbox({ ...(seeds && { seed: marketoSeed(people) }), ...plan.marketo })
      : undefined,
  ]);
  return {
    ...(hubspot ? { hubspot } : {}),
    ...(salesforce ? { salesforce } : {}),
    ...(marketo ? { marketo } : {}),
  };
}
