/**
 * GDPR delete: `POST /crm/v3/objects/contacts/gdpr-delete` `{objectId, idProperty?}` -> 204.
 * Removes the contact for good (not restorable, unlike archive), forgets every subscription
 * status of its email and drops its engagement associations. Webhooks: contact.privacyDeletion
 * and contact.deletion. An unknown contact is a 404.
 * Docs: https://developers.hubspot.com/docs/api/crm/contacts (GDPR delete)
 */
import type { Hono } from "hono";
import { HttpError, readJson, type SandboxState } from "./app.ts";
import { notFound, validation } from "./errors.ts";
import type { ChangeSource } from "./store.ts";

export function gdprDelete(
  state: SandboxState,
  objectId: string,
  idProperty: string | undefined,
  source: ChangeSource,
): boolean {
  const contact =
    idProperty === "email" ? state.store.getByEmail(objectId) : state.store.get(objectId);
  if (!contact) return false;
  const email = contact.properties.email;
  state.store.privacyDelete(contact.id, source);
  if (email) state.consent.forget(email);
  state.engagements.dissociateContact(contact.id);
  return true;
}

export function registerGdprRoutes(app: Hono, state: SandboxState): void {
  app.post("/crm/v3/objects/contacts/gdpr-delete", async (c) => {
    const body = await readJson(c);
    const objectId = body.objectId;
    if (typeof objectId !== "string" || objectId === "") {
      throw new HttpError(400, validation("Invalid input JSON: objectId is required"));
    }
    const idProperty = body.idProperty;
    if (idProperty !== undefined && idProperty !== "email" && idProperty !== "hs_object_id") {
      throw new HttpError(400, validation("idProperty must be a unique property such as email"));
    }
    if (!gdprDelete(state, objectId, idProperty as string | undefined, "INTEGRATION")) {
      throw new HttpError(404, notFound());
    }
    return c.body(null, 204);
  });
}
