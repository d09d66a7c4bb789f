/**
 * Consent writes: v4 batch write (the only API that can set SUBSCRIBED again after an
 * opt-out) and v4 unsubscribe-all for `purpose: null` opt-outs. An op that cannot be written
 * (no email, no legal basis on an opt-in, unknown purpose) fails on its own without a call.
 * Docs: https://developers.hubspot.com/docs/api-reference/communication-preferences-subscriptions-v4
 */
import type { ConsentWrite, WriteError, WriteResult } from "../contract.ts";
import { HubspotV4WriteResponse } from "./api-types.ts";
import { classifyHubspotError, describeHubspotError, type HubspotApi } from "./client.ts";
import { BATCH, EMAIL_CHANNEL, emailsOf, V4 } from "./consent.ts";
import type { PurposeMap } from "./consent-map.ts";
import { hubspotRequest } from "./http.ts";

interface StatusInput {
  subscriberIdString: string;
  subscriptionId: number;
  statusState: "SUBSCRIBED" | "UNSUBSCRIBED";
  channel: "EMAIL";
  legalBasis?: string;
  legalBasisExplanation?: string;
}

interface Plan {
  index: number;
  inputs: StatusInput[];
  unsubscribeAll: boolean;
  email: string;
}

const fail = (code: string, message: string, retryable = false): WriteError => ({
  code,
  message,
  retryable,
});

/** What an op asks HubSpot to do, or why it cannot be done (no call is made for it then). */
function planOp(
  op: ConsentWrite,
  email: string | undefined,
  purposes: PurposeMap,
): { inputs: StatusInput[]; unsubscribeAll: boolean } | WriteError {
  if (!email) return fail("EMAIL_REQUIRED", "HubSpot subscription statuses are keyed by email");
  const inputs: StatusInput[] = [];
  let unsubscribeAll = false;
  for (const s of op.statements) {
    if (s.channel !== "email") {
      return fail("UNSUPPORTED_CHANNEL", `HubSpot holds email consent only, not ${s.channel}`);
    }
    if (s.state === "opted_in" && !s.explicit) {
      return fail("IMPLICIT_OPT_IN", "An implicit statement never opts anyone in");
    }
    if (s.state === "opted_in" && !s.legalBasis) {
      return fail("LEGAL_BASIS_REQUIRED", "An opt-in needs a legal basis in HubSpot");
    }
    if (s.purpose === null) {
      if (s.state === "opted_in") {
        return fail(
          "UNSUPPORTED_STATEMENT",
          "HubSpot has no channel-wide opt-in; opt in per purpose",
        );
      }
      unsubscribeAll = true;
      continue;
    }
    const ids = purposes.subscriptionsFor(s.purpose);
    if (ids.length === 0) {
      return fail("UNKNOWN_PURPOSE", `No HubSpot subscription is configured for "${s.purpose}"`);
    }
    for (const id of ids) {
      inputs.push({
        subscriberIdString: email,
        subscriptionId: Number(id),
        statusState: s.state === "opted_in" ? "SUBSCRIBED" : "UNSUBSCRIBED",
        channel: "EMAIL",
        ...(s.legalBasis ? { legalBasis: s.legalBasis } : {}),
        ...(s.state === "opted_in"
          ? { legalBasisExplanation: s.evidence.note ?? `Recorded as ${s.evidence.kind}` }
          : {}),
      });
    }
  }
  return { inputs, unsubscribeAll };
}

const inputKey = (email: string, subscriptionId: string | number) =>
  `${email.toLowerCase()}|${subscriptionId}`;

export async function writeConsent(
  api: HubspotApi,
  purposes: PurposeMap,
  ops: ConsentWrite[],
): Promise<WriteResult[]> {
  const results: WriteResult[] = new Array(ops.length);
  const emails = await emailsOf(api, ops);
  const plans: Plan[] = [];
  ops.forEach((op, index) => {
    const plan = planOp(op, emails[index], purposes);
    if ("code" in plan) results[index] = { ref: op.ref, ok: false, error: plan };
    else plans.push({ index, email: emails[index]!, ...plan });
  });
  const failed = new Map<number, WriteError>();
  const failOnce = (plan: Plan, error: WriteError) => {
    if (!failed.has(plan.index)) failed.set(plan.index, error);
  };

  // Batch write first, unsubscribe-all last: an opt-out from everything must win.
  const pending = plans.flatMap((plan) => plan.inputs.map((input) => ({ plan, input })));
  const calls: Array<typeof pending> = [];
  for (const item of pending) {
    const key = inputKey(item.input.subscriberIdString, item.input.subscriptionId);
    const call = calls.find(
      (c) =>
        c.length < BATCH &&
        !c.some((x) => inputKey(x.input.subscriberIdString, x.input.subscriptionId) === key),
    );
    if (call) call.push(item);
    else calls.push([item]);
  }
  for (const call of calls) {
    try {
      const raw = await api.call((sdk) =>
        hubspotRequest(sdk, {
          method: "POST",
          path: `${V4}/batch/write`,
          qs: EMAIL_CHANNEL,
          body: { inputs: call.map((x) => x.input) },
        }),
      );
      const response = HubspotV4WriteResponse.parse(raw);
      const done = new Set(
        response.results.map((r) => inputKey(r.subscriberIdString, r.subscriptionId)),
      );
      for (const { plan, input } of call) {
        const key = inputKey(input.subscriberIdString, input.subscriptionId);
        if (done.has(key)) continue;
        const error = response.errors?.find(
          (e) =>
            (e.context?.subscriberIdString ?? []).some(
              (s) => s.toLowerCase() === plan.email.toLowerCase(),
            ) && (e.context?.subscriptionId ?? []).includes(String(input.subscriptionId)),
        );
        failOnce(
          plan,
          error
            ? fail(
                error.category ?? "VALIDATION_ERROR",
                error.message ?? "HubSpot refused the status",
              )
            : fail("NO_RESULT", "HubSpot returned no result for this status", true),
        );
      }
    } catch (error) {
      const { code, message } = describeHubspotError(error);
      const retryable = classifyHubspotError(error).retry;
      for (const { plan } of call) failOnce(plan, fail(code, message, retryable));
    }
  }
  for (const plan of plans) {
    if (!plan.unsubscribeAll || failed.has(plan.index)) continue;
    try {
      await api.call((sdk) =>
        hubspotRequest(sdk, {
          method: "POST",
          path: `${V4}/${encodeURIComponent(plan.email)}/unsubscribe-all`,
          qs: EMAIL_CHANNEL,
        }),
      );
    } catch (error) {
      const { code, message } = describeHubspotError(error);
      failOnce(plan, fail(code, message, classifyHubspotError(error).retry));
    }
  }
  for (const plan of plans) {
    const op = ops[plan.index]!;
    const error = failed.get(plan.index);
    results[plan.index] = error
      ? { ref: op.ref, ok: false, error }
      : { ref: op.ref, ok: true, externalId: op.externalId };
  }
  return results;
}
