/**
 * Batch endpoints of /crm/v3/objects/contacts. At most 100 inputs per call. Per-input
 * failures answer 207 with `numErrors`/`errors[]` when every input carries an
 * `objectWriteTraceId` (HubSpot's multi-status mode); otherwise the first invalid input fails
 * the whole call and nothing is written. Missing ids on read/update are always a 207.
 * Docs: https://developers.hubspot.com/docs/api-reference/error-handling (multi-status errors)
 */
import type { Hono } from "hono";
import {
  apiObjectOf,
  HttpError,
  readJson,
  type SandboxState,
  toApiObject,
  WRITE_ECHO,
} from "./app.ts";
import {
  conflict,
  errorBody,
  type HubspotError,
  propertyValidation,
  validation,
} from "./errors.ts";
import { propertiesOf } from "./routes-objects.ts";
import { ConflictError, type StoredContact } from "./store.ts";

const BASE = "/crm/v3/objects/contacts/batch";
const MAX_INPUTS = 100;

type Input = Record<string, unknown>;

function inputsOf(body: Record<string, unknown>): Input[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw new HttpError(400, validation("inputs must be an array"));
  if (inputs.length > MAX_INPUTS) {
    throw new HttpError(
      400,
      validation(`Too many inputs: ${inputs.length}. The maximum batch size is ${MAX_INPUTS}.`, [
        { message: `inputs size must be between 0 and ${MAX_INPUTS}`, code: "INVALID_SIZE" },
      ]),
    );
  }
  return inputs.map((input) => (input && typeof input === "object" ? input : {}) as Input);
}

function rejectDuplicateIds(inputs: Input[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    const id = String(input.id ?? "").toLowerCase();
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0) {
    throw new HttpError(
      400,
      validation(
        `Duplicate IDs found in batch input: [${[...duplicates].join(", ")}]. IDs must be unique`,
      ),
    );
  }
}

function stamp() {
  const now = new Date().toISOString();
  return { status: "COMPLETE", requestedAt: now, startedAt: now, completedAt: now };
}

interface Outcome {
  results: Record<string, unknown>[];
  errors: HubspotError[];
}

function withTrace(error: HubspotError, input: Input): HubspotError {
  const trace = input.objectWriteTraceId;
  if (typeof trace !== "string") return error;
  return { ...error, context: { ...(error.context ?? {}), objectWriteTraceId: [trace] } };
}

function answer(
  c: { json: (body: object, status: 200 | 201 | 207) => Response },
  outcome: Outcome,
  successStatus: 200 | 201,
  inputs: Input[],
  alwaysMulti = false,
): Response {
  if (outcome.errors.length === 0) {
    return c.json({ ...stamp(), results: outcome.results }, successStatus);
  }
  const multi = alwaysMulti || inputs.every((i) => typeof i.objectWriteTraceId === "string");
  if (!multi)
    throw new HttpError(outcome.errors[0]!.category === "CONFLICT" ? 409 : 400, outcome.errors[0]);
  return c.json(
    {
      ...stamp(),
      results: outcome.results,
      numErrors: outcome.errors.length,
      errors: outcome.errors,
    },
    207,
  );
}

/** Validates every input first, so a call without multi-status writes nothing when one fails. */
function preflight(state: SandboxState, inputs: Input[]): Map<Input, HubspotError> {
  const failures = new Map<Input, HubspotError>();
  for (const input of inputs) {
    const issues = state.store.validate(propertiesOf(input));
    if (issues.length > 0) failures.set(input, withTrace(propertyValidation(issues), input));
  }
  return failures;
}

export function registerBatchRoutes(app: Hono, state: SandboxState): void {
  const store = state.store;

  app.post(`${BASE}/read`, async (c) => {
    const body = await readJson(c);
    const inputs = inputsOf(body);
    const byEmail = body.idProperty === "email";
    const requested = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
    const present = apiObjectOf(requested);
    const results: Record<string, unknown>[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = String(input.id ?? "");
      const contact = byEmail ? store.getByEmail(id) : store.get(id);
      if (!contact) missing.push(id);
      else if (!seen.has(contact.id)) {
        seen.add(contact.id);
        results.push(present(contact));
      }
    }
    const errors = missing.length
      ? [
          errorBody(
            "OBJECT_NOT_FOUND",
            "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
            { context: { ids: missing } },
          ),
        ]
      : [];
    return answer(c, { results, errors }, 200, inputs, true);
  });

  app.post(`${BASE}/create`, async (c) => {
    const inputs = inputsOf(await readJson(c));
    const failures = preflight(state, inputs);
    const multi = inputs.every((i) => typeof i.objectWriteTraceId === "string");
    if (failures.size > 0 && !multi) throw new HttpError(400, [...failures.values()][0]);
    const outcome: Outcome = { results: [], errors: [] };
    for (const input of inputs) {
      const failure = failures.get(input);
      if (failure) {
        outcome.errors.push(failure);
        continue;
      }
      const properties = propertiesOf(input);
      try {
        const contact = store.create(properties, "INTEGRATION");
        outcome.results.push(
          traced(toApiObject(contact, Object.keys(properties), WRITE_ECHO), input),
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (!multi) throw new HttpError(409, conflict(error.existingId));
        outcome.errors.push(withTrace(conflict(error.existingId), input));
      }
    }
    return answer(c, outcome, 201, inputs);
  });

  app.post(`${BASE}/update`, async (c) => {
    const inputs = inputsOf(await readJson(c));
    rejectDuplicateIds(inputs);
    const failures = preflight(state, inputs);
    const multi = inputs.every((i) => typeof i.objectWriteTraceId === "string");
    if (failures.size > 0 && !multi) throw new HttpError(400, [...failures.values()][0]);
    const outcome: Outcome = { results: [], errors: [] };
    for (const input of inputs) {
      const failure = failures.get(input);
      if (failure) {
        outcome.errors.push(failure);
        continue;
      }
      const id = String(input.id ?? "");
      const contact: StoredContact | undefined =
        input.idProperty === "email" ? store.getByEmail(id) : store.get(id);
      if (!contact) {
        outcome.errors.push(
          withTrace(
            errorBody("OBJECT_NOT_FOUND", "resource not found", { context: { ids: [id] } }),
            input,
          ),
        );
        continue;
      }
      const properties = propertiesOf(input);
      try {
        const updated = store.update(contact.id, properties, "INTEGRATION");
        outcome.results.push(
          traced(toApiObject(updated, Object.keys(properties), WRITE_ECHO), input),
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        outcome.errors.push(withTrace(conflict(error.existingId), input));
      }
    }
    return answer(
      c,
      outcome,
      200,
      inputs,
      outcome.errors.every((e) => e.category === "OBJECT_NOT_FOUND"),
    );
  });

  app.post(`${BASE}/upsert`, async (c) => {
    const inputs = inputsOf(await readJson(c));
    rejectDuplicateIds(inputs);
    for (const input of inputs) {
      if (input.idProperty !== "email") {
        throw new HttpError(
          400,
          validation("idProperty must be a unique identifier property such as email", [
            { message: "idProperty is required for upsert", code: "INVALID_ID_PROPERTY" },
          ]),
        );
      }
    }
    const failures = preflight(state, inputs);
    for (const input of inputs) {
      const issues = store.validate({ email: String(input.id ?? "") });
      if (issues.length > 0 && !failures.has(input)) {
        failures.set(input, withTrace(propertyValidation(issues), input));
      }
    }
    const multi = inputs.every((i) => typeof i.objectWriteTraceId === "string");
    if (failures.size > 0 && !multi) throw new HttpError(400, [...failures.values()][0]);
    const outcome: Outcome = { results: [], errors: [] };
    for (const input of inputs) {
      const failure = failures.get(input);
      if (failure) {
        outcome.errors.push(failure);
        continue;
      }
      const email = String(input.id);
      const properties = propertiesOf(input);
      const existing = store.getByEmail(email);
      try {
        const contact = existing
          ? store.update(existing.id, properties, "INTEGRATION")
          : store.create({ ...properties, email }, "INTEGRATION");
        outcome.results.push({
          ...traced(toApiObject(contact, Object.keys(properties), WRITE_ECHO), input),
          new: !existing,
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (!multi) throw new HttpError(409, conflict(error.existingId));
        outcome.errors.push(withTrace(conflict(error.existingId), input));
      }
    }
    return answer(c, outcome, 200, inputs);
  });

  app.post(`${BASE}/archive`, async (c) => {
    const inputs = inputsOf(await readJson(c));
    for (const input of inputs) store.archive(String(input.id ?? ""), "INTEGRATION");
    return c.body(null, 204);
  });
}

function traced(object: Record<string, unknown>, input: Input): Record<string, unknown> {
  return typeof input.objectWriteTraceId === "string"
    ? { ...object, objectWriteTraceId: input.objectWriteTraceId }
    : object;
}
