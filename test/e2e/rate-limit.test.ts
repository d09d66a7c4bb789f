import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  // HubSpot's simulator allows 4 calls a second; the hub believes the limit is 190 per 10 s.
  t = await startTestHub({
    people: 300,
    sandbox: { hubspot: { rateLimit: { requests: 4, perMs: 1000 } } },
  });
});
afterAll(() => t?.close());

describe("rate limits", () => {
  it("when the sandbox answers 429 the hub backs off and loses nothing", async () => {
    await t.api("/v1/runs", { method: "POST" });
    await t.hub.engine.idle();
    await settle(t);
    const hs = t.hub.sandboxes.hubspot!;
    const limited = hs.requests().filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // Every person in the seed is in HubSpot now, once.
    const all = await t.hub.store.contacts.list(1000);
    expect(all).toHaveLength(300);
    expect(all.every((c) => c.links.some((l) => l.system === "hubspot"))).toBe(true);
    expect(hs.contactCount()).toBe(300);
    expect((await t.api("/v1/dead-letters?status=open")).body.results).toHaveLength(0);
  });
});
