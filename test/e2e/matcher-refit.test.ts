import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personInBoth, startTestHub, type TestHub } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => t?.close());

describe("POST /v1/matcher/refit", () => {
  it("needs the admin token", async () => {
    const response = await fetch(`${t.hub.url}/v1/matcher/refit`, { method: "POST" });
    expect(response.status).toBe(401);
  });

  it("asks for a fresh fit and answers with the fit in use, which the next batch replaces", async () => {
    const before = await t.api("/v1/matcher/refit", { method: "POST" });
    expect(before.status).toBe(202);
    await personInBoth(t, "refit.first@example.com");
    const asked = await t.api("/v1/matcher/refit", { method: "POST" });
    expect(asked.status).toBe(202);
    expect(asked.body.current).toMatchObject({ full: false });
    const fitted = asked.body.current.people as number;
    expect(fitted).toBeGreaterThan(0);
    // One more person is far from the growth that refits on its own (a fifth): only the
    // request makes the next batch fit on everyone stored, the person synced above included.
    await personInBoth(t, "refit.second@example.com");
    const after = await t.api("/v1/matcher/refit", { method: "POST" });
    expect(after.body.current.people).toBeGreaterThan(fitted);
  });
});
