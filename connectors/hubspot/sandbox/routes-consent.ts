/**
 * Communication preferences v3 (wrapped by the SDK) and v4 (batch; not wrapped).
 * v3: https://developers.hubspot.com/docs/api-reference/legacy/communication-preferences/v3
 * v4: https://developers.hubspot.com/docs/api-reference/communication-preferences-subscriptions-v4
 *
 * v3 refuses to subscribe an email that opted out (per subscription or from all): only the
 * person can undo an opt-out there. v4 batch write can set SUBSCRIBED again.
 */
import type { Context, Hono } from "hono";
import { HttpError, readJson, type SandboxState } from "./app.ts";
import { LEGAL_BASES, STATUS_STATES, type StatusState } from "./consent-store.ts";
import { errorBody, type HubspotError, notFound, validation } from "./errors.ts";
import { envelope, v3Definition, v3Status, v4Status, v4WideStatuses } from "./present-consent.ts";

const V3 = "/communication-preferences/v3";
const V4 = "/communication-preferences/v4/statuses";
/** Not documented for these endpoints; the CRM batch limit is assumed. */
const MAX_INPUTS = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requireChannel(c: Context): void {
  if (c.req.query("channel") !== "EMAIL") {
    throw new HttpError(400, validation("Query parameter channel is required and must be EMAIL"));
  }
}

function emailInputs(body: Record<string, unknown>): string[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.some((i) => typeof i !== "string")) {
    throw new HttpError(400, validation("inputs must be an array of subscriberIdString"));
  }
  if (inputs.length > MAX_INPUTS) {
    throw new HttpError(400, validation(`Too many inputs. The maximum is ${MAX_INPUTS}.`));
  }
  return inputs as string[];
}

function checkLegalBasis(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !(LEGAL_BASES as readonly string[]).includes(value)) {
    throw new HttpError(400, validation(`legalBasis must be one of ${LEGAL_BASES.join(", ")}`));
  }
  return value;
}

export function registerConsentRoutes(app: Hono, state: SandboxState): void {
  const consent = state.consent;

  app.get(`${V3}/definitions`, (c) =>
    c.json({ subscriptionDefinitions: consent.definitions().map(v3Definition) }, 200),
  );

  app.get(`${V3}/status/email/:email`, (c) => {
    const email = c.req.param("email");
    const statuses = consent
      .definitions()
      .map((d) => v3Status(consent, email, d))
      .filter((s) => s !== undefined);
    return c.json({ recipient: email, subscriptionStatuses: statuses }, 200);
  });

  const v3Update = (target: "SUBSCRIBED" | "UNSUBSCRIBED") => async (c: Context) => {
    const body = await readJson(c);
    const email = body.emailAddress;
    const subscriptionId = body.subscriptionId;
    if (typeof email !== "string" || typeof subscriptionId !== "string") {
      throw new HttpError(
        400,
        validation(
          "Invalid input JSON: Cannot build PublicUpdateSubscriptionStatusRequest, some of required attributes are not set [emailAddress, subscriptionId]",
        ),
      );
    }
    const definition = consent.definition(subscriptionId);
    if (!definition) throw new HttpError(404, notFound());
    const legalBasis = checkLegalBasis(body.legalBasis);
    const subscriber = consent.subscriber(email);
    if (target === "SUBSCRIBED") {
      const optedOut =
        subscriber?.unsubscribedAll !== undefined ||
        subscriber?.statuses.get(subscriptionId)?.status === "UNSUBSCRIBED";
      if (optedOut) {
        // v3 never re-subscribes an explicit opt-out; only the person can.
        throw new HttpError(
          400,
          errorBody(
            "VALIDATION_ERROR",
            "Cannot subscribe a contact who has opted out of this subscription or of all email",
          ),
        );
      }
      if (state.gdprEnabled && !legalBasis) {
        throw new HttpError(
          400,
          validation("legalBasis is required: GDPR is enabled on this portal"),
        );
      }
    }
    consent.set(email, subscriptionId, target, {
      legalBasis,
      legalBasisExplanation:
        typeof body.legalBasisExplanation === "string" ? body.legalBasisExplanation : undefined,
      source: "INTEGRATION",
    });
    return c.json(v3Status(consent, email, definition) ?? {}, 200);
  };
  app.post(`${V3}/subscribe`, v3Update("SUBSCRIBED"));
  app.post(`${V3}/unsubscribe`, v3Update("UNSUBSCRIBED"));

  app.post(`${V4}/batch/read`, async (c) => {
    requireChannel(c);
    const emails = emailInputs(await readJson(c));
    const results = emails.map((email) => ({
      subscriberIdString: email,
      statuses: consent.definitions().map((d) => v4Status(consent, email, d)),
    }));
    return c.json(envelope(results), 200);
  });

  app.post(`${V4}/batch/unsubscribe-all/read`, async (c) => {
    requireChannel(c);
    const emails = emailInputs(await readJson(c));
    const results = emails.map((email) => ({
      subscriberIdString: email,
      wideStatuses: v4WideStatuses(consent, email),
    }));
    return c.json(envelope(results), 200);
  });

  app.post(`${V4}/batch/write`, async (c) => {
    requireChannel(c);
    const body = await readJson(c);
    const inputs = body.inputs;
    if (!Array.isArray(inputs)) throw new HttpError(400, validation("inputs must be an array"));
    if (inputs.length > MAX_INPUTS) {
      throw new HttpError(400, validation(`Too many inputs. The maximum is ${MAX_INPUTS}.`));
    }
    const results: unknown[] = [];
    const errors: HubspotError[] = [];
    for (const raw of inputs as Array<Record<string, unknown>>) {
      const email = String(raw?.subscriberIdString ?? "");
      const subscriptionId = String(raw?.subscriptionId ?? "");
      const statusState = raw?.statusState as StatusState;
      const fail = (message: string) =>
        errors.push(
          errorBody("VALIDATION_ERROR", message, {
            context: { subscriberIdString: [email], subscriptionId: [subscriptionId] },
          }),
        );
      const definition = consent.definition(subscriptionId);
      if (!EMAIL.test(email)) fail("subscriberIdString must be a valid email address");
      else if (!definition) fail(`Subscription ${subscriptionId} does not exist`);
      else if (!STATUS_STATES.includes(statusState)) {
        fail("statusState must be SUBSCRIBED, UNSUBSCRIBED or NOT_SPECIFIED");
      } else if (
        raw.legalBasis !== undefined &&
        !(LEGAL_BASES as readonly string[]).includes(String(raw.legalBasis))
      ) {
        fail(`legalBasis must be one of ${LEGAL_BASES.join(", ")}`);
      } else if (statusState === "SUBSCRIBED" && state.gdprEnabled && !raw.legalBasis) {
        fail("legalBasis is required to subscribe: GDPR is enabled on this portal");
      } else {
        const before = consent.statusOf(email, subscriptionId)?.status ?? "NOT_SPECIFIED";
        const changed = consent.set(email, subscriptionId, statusState, {
          legalBasis: raw.legalBasis as string | undefined,
          legalBasisExplanation: raw.legalBasisExplanation as string | undefined,
          source: "INTEGRATION",
        });
        const reason = !changed
          ? "NO_STATUS_CHANGE"
          : before === "UNSUBSCRIBED" && statusState === "SUBSCRIBED"
            ? "RESUBSCRIBE_OCCURRED"
            : statusState === "UNSUBSCRIBED"
              ? "UNSUBSCRIBE_OCCURRED"
              : "REQUESTED_CHANGE_OCCURRED";
        results.push(v4Status(consent, email, definition, reason));
      }
    }
    return c.json(envelope(results, errors), errors.length > 0 ? 207 : 200);
  });

  app.get(`${V4}/:subscriberIdString/unsubscribe-all`, (c) => {
    const email = c.req.param("subscriberIdString");
    return c.json(envelope(v4WideStatuses(consent, email)), 200);
  });

  app.post(`${V4}/:subscriberIdString/unsubscribe-all`, (c) => {
    requireChannel(c);
    const email = c.req.param("subscriberIdString");
    if (!EMAIL.test(email)) {
      throw new HttpError(400, validation("subscriberIdString must be a valid email address"));
    }
    consent.setAll(email, "UNSUBSCRIBED", { source: "INTEGRATION" });
    const results = consent.definitions().map((d) => ({
      ...v4Status(consent, email, d),
      status: "UNSUBSCRIBED",
    }));
    return c.json(envelope(results), 200);
  });

  app.get(`${V4}/:subscriberIdString`, (c) => {
    requireChannel(c);
    const email = c.req.param("subscriberIdString");
    return c.json(envelope(consent.definitions().map((d) => v4Status(consent, email, d))), 200);
  });
}
