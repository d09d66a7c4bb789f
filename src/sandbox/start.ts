import {
  type HubspotSandboxOptions,
  type RunningHubspotSandbox,
  startHubspotSandbox,
} from "../../connectors/hubspot/sandbox/index.ts";
import {
  type RunningSalesforceSandbox,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from "../../connectors/salesforce/sandbox/index.ts";
import { hubspotSeed, salesforceSeed, seedPeople } from "./people.ts";

export interface Sandboxes {
  hubspot?: RunningHubspotSandbox;
  salesforce?: RunningSalesforceSandbox;
}

export interface SandboxPlan {
  hubspot?: HubspotSandboxOptions;
  salesforce?: SalesforceSandboxOptions;
  /** How many fake people to seed across both simulators. */
  people: number;
}

/** Starts the simulators the hub has no credentials for, seeded with the same fake people. */
export async function startSandboxes(plan: SandboxPlan): Promise<Sandboxes> {
  const people = seedPeople(plan.people);
  const [hubspot, salesforce] = await Promise.all([
    plan.hubspot ? startHubspotSandbox({ seed: hubspotSeed(people), ...plan.hubspot }) : undefined,
    plan.salesforce
      ? startSalesforceSandbox({ seed: salesforceSeed(people), ...plan.salesforce })
      : undefined,
  ]);
  return { ...(hubspot ? { hubspot } : {}), ...(salesforce ? { salesforce } : {}) };
}
