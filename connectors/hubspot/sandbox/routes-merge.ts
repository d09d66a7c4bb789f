/**
 * `POST /crm/v3/objects/contacts/merge` `{primaryObjectId, objectIdToMerge}` -> 200 with the
 * merged contact under a new id (see ContactStore.merge). Either id may be one merged away
 * before (it resolves to its contact). Unknown ids answer 404, a contact merged with itself
 * 400 VALIDATION_ERROR (both bodies *unconfirmed*: HubSpot documents only the success).
 * Docs: https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts-merge
 */
import type { Hono } from "hono";
import { HttpError, readJson, type SandboxState, toApiObject } from "./app.ts";
import { errorBody, validation } from "./errors.ts";
import { MergeRefusal } from "./store.ts";

export function registerMergeRoutes(app: Hono, state: SandboxState): void {
  app.post("/crm/v3/objects/contacts/merge", async (c) => {
    const body = await readJson(c);
    const ids = [body.primaryObjectId, body.objectIdToMerge];
    if (!ids.every((id) => typeof id === "string" && id !== "")) {
      throw new HttpError(
        400,
        validation("Invalid input JSON: primaryObjectId and objectIdToMerge are required"),
      );
    }
    try {
      const merged = state.store.merge(String(ids[0]), String(ids[1]), "INTEGRATION");
      return c.json(toApiObject(merged, undefined), 200);
    } catch (error) {
      if (!(error instanceof MergeRefusal)) throw error;
      throw new HttpError(
        error.status,
        error.status === 404
          ? errorBody("OBJECT_NOT_FOUND", error.message)
          : validation(error.message),
      );
    }
  });
}
