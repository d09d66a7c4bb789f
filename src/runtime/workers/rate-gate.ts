import type { FleetGates, SharedGate } from "../../../connectors/shared/limiter.ts";
import type { DurableObjectNamespace } from "./bindings.ts";
import { createPermits, type PermitAnswer, type PermitRequest } from "./permits.ts";

/** Longer than any API call's own timeout, so a live call never loses its slot. */
const LEASE_MS = 150_000;

/**
 * A Durable Object per rate-limited API (by name): one instance worldwide, running one
 * request at a time, so every isolate of the deployment draws from the same permits.
 */
export class RateGate {
  readonly #permits = createPermits(() => crypto.randomUUID());

  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/release") {
      this.#permits.release(await request.text(), Date.now());
      return new Response(null, { status: 204 });
    }
    const ask = (await request.json()) as PermitRequest;
    return Response.json(this.#permits.acquire(ask, Date.now()));
  }
}

/** Fleet gates backed by the RATE_GATE namespace: one object per connector limiter name. */
export function durableGates(namespace: DurableObjectNamespace): FleetGates {
  return (name, limits): SharedGate => {
    const stub = () => namespace.get(namespace.idFromName(name));
    const body = JSON.stringify({ ...limits, leaseMs: LEASE_MS } satisfies PermitRequest);
    return {
      async acquire() {
        for (;;) {
          const res = await stub().fetch("https://rate-gate/acquire", { method: "POST", body });
          const answer = (await res.json()) as PermitAnswer;
          if ("lease" in answer) {
            return async () => {
              await stub().fetch("https://rate-gate/release", {
                method: "POST",
                body: answer.lease,
              });
            };
          }
          await new Promise((resolve) => setTimeout(resolve, answer.waitMs));
        }
      },
    };
  };
}
