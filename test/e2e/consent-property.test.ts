import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personInBoth, settle, startTestHub, type TestHub } from "../helpers/hub.ts";

/**
 * Random sequences of consent changes made in HubSpot, in Salesforce and through the API,
 * some repeated, each delivered by the systems' own webhooks. Whatever the sequence, the
 * hub and both simulators end where the merge rules say: once anybody opted out of email
 * as a whole, everybody shows the opt-out (an unchecked HasOptedOutOfEmail re-subscribes
 * nobody); otherwise the newest explicit newsletter statement decides.
 */
const ACTIONS = [
  "hs_unsub_all",
  "hs_sub_newsletter",
  "hs_unsub_newsletter",
  "sf_check",
  "sf_uncheck",
  "api_out_all",
  "api_in_newsletter",
  "api_out_newsletter",
] as const;
type Action = (typeof ACTIONS)[number];
const NEWSLETTER = "1002";

let t: TestHub;
let n = 0;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

async function newPerson() {
  const email = `prop${n++}@example.com`;
  const p = await personInBoth(t, email, { lastname: "Prop" });
  return { email, id: p.id, lead: p.sfId };
}

async function perform(action: Action, p: { email: string; id: string; lead: string }) {
  const hs = t.hub.sandboxes.hubspot!;
  const sf = t.hub.sandboxes.salesforce!;
  const consent = (json: object) =>
    t.api(`/v1/contacts/${p.id}/consent`, { json: { channel: "email", ...json } });
  switch (action) {
    case "hs_unsub_all":
      return hs.setSubscription(p.email, "all", "UNSUBSCRIBED");
    case "hs_sub_newsletter":
      return hs.setSubscription(p.email, NEWSLETTER, "SUBSCRIBED", "CONSENT_WITH_NOTICE");
    case "hs_unsub_newsletter":
      return hs.setSubscription(p.email, NEWSLETTER, "UNSUBSCRIBED");
    case "sf_check":
      return sf.updateRecord("Lead", p.lead, { HasOptedOutOfEmail: true });
    case "sf_uncheck":
      return sf.updateRecord("Lead", p.lead, { HasOptedOutOfEmail: false });
    case "api_out_all":
      return consent({ state: "opted_out" });
    case "api_in_newsletter":
      return consent({
        purpose: "newsletter",
        state: "opted_in",
        legalBasis: "CONSENT_WITH_NOTICE",
      });
    case "api_out_newsletter":
      return consent({ purpose: "newsletter", state: "opted_out" });
  }
}

const GLOBAL_OUT = new Set<Action>(["hs_unsub_all", "sf_check", "api_out_all"]);
const NEWSLETTER_IN = new Set<Action>(["hs_sub_newsletter", "api_in_newsletter"]);
const NEWSLETTER_OUT = new Set<Action>(["hs_unsub_newsletter", "api_out_newsletter"]);

describe("consent convergence across the hub and both simulators (fast-check)", () => {
  it("any sequence ends in the state the merge rules define, in the hub and in both systems", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ action: fc.constantFrom(...ACTIONS), twice: fc.boolean() }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (steps) => {
          const p = await newPerson();
          for (const step of steps) {
            await perform(step.action, p);
            if (step.twice) await perform(step.action, p);
            await settle(t);
          }
          await settle(t);
          const consent = (await t.api(`/v1/contacts/${p.id}`)).body.consent as {
            purpose: string | null;
            state: string;
          }[];
          const hub = (purpose: string | null) => consent.find((c) => c.purpose === purpose)?.state;
          const hs = t.hub.sandboxes.hubspot!.getSubscriptions(p.email);
          const lead = t.hub.sandboxes.salesforce!.getRecord("Lead", p.lead)!;
          const actions = steps.map((s) => s.action);

          if (actions.some((a) => GLOBAL_OUT.has(a))) {
            expect(hub(null)).toBe("opted_out");
            expect(hub("newsletter") ?? "opted_out").toBe("opted_out");
            expect(lead.HasOptedOutOfEmail).toBe(true);
            expect(hs.all?.status).toBe("UNSUBSCRIBED");
            return;
          }
          const last = actions.filter((a) => NEWSLETTER_IN.has(a) || NEWSLETTER_OUT.has(a)).at(-1);
          if (!last) return;
          const expected = NEWSLETTER_IN.has(last) ? "opted_in" : "opted_out";
          expect(hub("newsletter")).toBe(expected);
          expect(hs[NEWSLETTER]?.status).toBe(
            expected === "opted_in" ? "SUBSCRIBED" : "UNSUBSCRIBED",
          );
          expect(lead.HasOptedOutOfEmail).toBe(false);
        },
      ),
      { numRuns: 10 },
    );
  });
});
