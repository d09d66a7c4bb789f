/**
 * The simulator's own admin surface under /_sandbox (no auth, not in the request log):
 * act like a user in the HubSpot UI (changes fire webhooks with changeSource CRM_UI), inject
 * faults, read the request log, point webhooks somewhere.
 */
import type { Hono } from "hono";
import { HttpError, readJson, type SandboxState, toApiObject } from "./app.ts";
import { LEGAL_BASES, STATUS_STATES, type StatusState } from "./consent-store.ts";
import { type EngagementObject, isEngagementObject } from "./engagement-store.ts";
import { conflict, notFound, propertyValidation, validation } from "./errors.ts";
import type { FaultSpec } from "./limits.ts";
import { EMAIL_EVENT_TYPES, type EmailEventType } from "./marketing-store.ts";
import { toEngagementObject, validateEngagement } from "./routes-engagements.ts";
import { toEmailEventJson } from "./routes-marketing.ts";
import { propertiesOf } from "./routes-objects.ts";
import { ConflictError, type StoredContact } from "./store.ts";

/** Everything the contact has, as the UI would show it. */
export function fullObject(contact: StoredContact): Record<string, unknown> {
  return toApiObject(contact, Object.keys(contact.properties));
}

export interface AdminOps {
  createContact(properties: Record<string, string>): Record<string, unknown>;
  updateContact(id: string, properties: Record<string, string>): Record<string, unknown>;
  deleteContact(id: string): boolean;
  getContact(id: string): Record<string, unknown> | undefined;
  /** Like a user merging two contacts in the UI: a new contact, `contact.merge` (CRM_UI). */
  mergeContacts(primaryId: string, mergedId: string): Record<string, unknown>;
  injectFault(fault: FaultSpec): void;
  /** Like the person clicking a preferences/unsubscribe link: fires webhooks (CRM_UI). */
  setSubscription(
    email: string,
    subscriptionId: string,
    status: StatusState,
    legalBasis?: string,
    legalBasisExplanation?: string,
  ): void;
  /** Logs a meeting or email on the contact's timeline. */
  createEngagement(
    type: EngagementObject,
    contactId: string,
    properties: Record<string, string>,
  ): Record<string, unknown>;
  updateEngagement(type: EngagementObject, id: string, properties: Record<string, string>): void;
  /** A marketing-email event for an address (contact or not); `props` may set created, id,
   * emailCampaignId, url, ... */
  addEmailEvent(
    recipient: string,
    type: string,
    props?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** A new form; answers its guid and name. */
  createForm(name: string): { id: string; name: string };
  /** Like a visitor submitting the form on a page. */
  submitForm(
    formGuid: string,
    values: Record<string, string>,
    pageUrl?: string,
    submittedAt?: number,
  ): { conversionId: string; submittedAt: number };
}

export function adminOps(state: SandboxState): AdminOps {
  const guard = (properties: Record<string, unknown>) => {
    const issues = state.store.validate(properties);
    if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
  };
  const conflicts = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ConflictError) throw new HttpError(409, conflict(error.existingId));
      throw error;
    }
  };
  return {
    createContact(properties) {
      guard(properties);
      return fullObject(conflicts(() => state.store.create(properties, "CRM_UI")));
    },
    updateContact(id, properties) {
      guard(properties);
      if (!state.store.get(id)) throw new HttpError(404, notFound());
      return fullObject(conflicts(() => state.store.update(id, properties, "CRM_UI")));
    },
    deleteContact: (id) => state.store.archive(id, "CRM_UI"),
    mergeContacts: (primaryId, mergedId) =>
      fullObject(state.store.merge(primaryId, mergedId, "CRM_UI")),
    getContact(id) {
      const contact = state.store.get(id);
      return contact ? fullObject(contact) : undefined;
    },
    setSubscription(email, subscriptionId, status, legalBasis, legalBasisExplanation) {
      if (!STATUS_STATES.includes(status)) {
        throw new HttpError(
          400,
          validation("status must be SUBSCRIBED, UNSUBSCRIBED or NOT_SPECIFIED"),
        );
      }
      if (legalBasis !== undefined && !(LEGAL_BASES as readonly string[]).includes(legalBasis)) {
        throw new HttpError(400, validation(`legalBasis must be one of ${LEGAL_BASES.join(", ")}`));
      }
      const options = { legalBasis, legalBasisExplanation, source: "CRM_UI" as const };
      if (subscriptionId === "all") {
        if (status === "SUBSCRIBED") {
          throw new HttpError(400, validation("'all' takes UNSUBSCRIBED or NOT_SPECIFIED"));
        }
        state.consent.setAll(email, status, options);
        return;
      }
      if (!state.consent.definition(subscriptionId)) throw new HttpError(404, notFound());
      state.consent.set(email, subscriptionId, status, options);
    },
    createEngagement(type, contactId, properties) {
      if (!isEngagementObject(type)) throw new HttpError(404, notFound());
      if (!state.store.get(contactId)) throw new HttpError(404, notFound());
      const issues = validateEngagement(state, type, properties);
      if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
      const record = state.engagements.create(type, properties, [contactId]);
      return toEngagementObject(record, Object.keys(record.properties), true);
    },
    updateEngagement(type, id, properties) {
      const issues = validateEngagement(state, type, properties);
      if (issues.length > 0) throw new HttpError(400, propertyValidation(issues));
      if (!state.engagements.update(type, id, properties)) throw new HttpError(404, notFound());
    },
    addEmailEvent(recipient, type, props) {
      if (!EMAIL_EVENT_TYPES.includes(type as EmailEventType)) {
        throw new HttpError(400, validation(`Unknown email event type: ${type}`));
      }
      if (!recipient) throw new HttpError(400, validation("recipient is required"));
      const event = state.marketing.addEmailEvent(recipient, type as EmailEventType, props);
      return toEmailEventJson(event, state.portalId) as Record<string, unknown>;
    },
    createForm(name) {
      const form = state.marketing.createForm(name);
      return { id: form.id, name: form.name };
    },
    submitForm(formGuid, values, pageUrl, submittedAt) {
      const submission = state.marketing.submit(formGuid, values, pageUrl, submittedAt);
      if (!submission) throw new HttpError(404, notFound());
      return { conversionId: submission.conversionId, submittedAt: submission.submittedAt };
    },
    injectFault(fault) {
      try {
        state.faults.add(fault);
      } catch (error) {
        throw new HttpError(400, validation((error as Error).message));
      }
    },
  };
}

export function registerAdminRoutes(app: Hono, state: SandboxState): void {
  const ops = adminOps(state);

  app.get("/_sandbox/requests", (c) => c.json({ results: state.log }, 200));
  app.delete("/_sandbox/requests", (c) => {
    state.log.length = 0;
    return c.body(null, 204);
  });

  app.post("/_sandbox/faults", async (c) => {
    const body = await readJson(c);
    ops.injectFault({
      status: Number(body.status),
      times: body.times === undefined ? 1 : Number(body.times),
      method: typeof body.method === "string" ? body.method : undefined,
      pathPrefix: typeof body.pathPrefix === "string" ? body.pathPrefix : undefined,
    });
    return c.body(null, 204);
  });
  app.delete("/_sandbox/faults", (c) => {
    state.faults.clear();
    return c.body(null, 204);
  });

  app.post("/_sandbox/contacts", async (c) => {
    const properties = propertiesOf(await readJson(c)) as Record<string, string>;
    return c.json(ops.createContact(properties), 201);
  });
  app.get("/_sandbox/contacts/:id", (c) => {
    const contact = ops.getContact(c.req.param("id"));
    if (!contact) throw new HttpError(404, notFound());
    return c.json(contact, 200);
  });
  app.patch("/_sandbox/contacts/:id", async (c) => {
    const properties = propertiesOf(await readJson(c)) as Record<string, string>;
    return c.json(ops.updateContact(c.req.param("id"), properties), 200);
  });
  app.delete("/_sandbox/contacts/:id", (c) => {
    if (!ops.deleteContact(c.req.param("id"))) throw new HttpError(404, notFound());
    return c.body(null, 204);
  });

  app.post("/_sandbox/subscriptions", async (c) => {
    const body = await readJson(c);
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const email = str(body.email);
    const subscriptionId = str(body.subscriptionId);
    if (!email || !subscriptionId) {
      throw new HttpError(400, validation("email and subscriptionId are required"));
    }
    ops.setSubscription(
      email,
      subscriptionId,
      String(body.status) as StatusState,
      str(body.legalBasis),
      str(body.legalBasisExplanation),
    );
    return c.body(null, 204);
  });

  app.post("/_sandbox/engagements", async (c) => {
    const body = await readJson(c);
    const properties = (body.properties ?? {}) as Record<string, string>;
    const created = ops.createEngagement(
      String(body.type) as EngagementObject,
      String(body.contactId ?? ""),
      properties,
    );
    return c.json(created, 201);
  });

  app.post("/_sandbox/email-events", async (c) => {
    const body = await readJson(c);
    const { recipient, type, ...props } = body;
    return c.json(ops.addEmailEvent(String(recipient ?? ""), String(type), props), 201);
  });
  app.post("/_sandbox/forms", async (c) => {
    const body = await readJson(c);
    return c.json(ops.createForm(String(body.name ?? "Form")), 201);
  });
  app.post("/_sandbox/forms/:formGuid/submissions", async (c) => {
    const body = await readJson(c);
    const values = (body.values ?? {}) as Record<string, string>;
    const pageUrl = typeof body.pageUrl === "string" ? body.pageUrl : undefined;
    return c.json(ops.submitForm(c.req.param("formGuid"), values, pageUrl), 201);
  });

  app.put("/_sandbox/webhook", async (c) => {
    const body = await readJson(c);
    const url = body.url;
    if (url !== null && typeof url !== "string") {
      throw new HttpError(400, validation("url must be a string or null"));
    }
    state.sender.setUrl(url);
    return c.body(null, 204);
  });
}
