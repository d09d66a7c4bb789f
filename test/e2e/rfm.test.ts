import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ env: { TSUNAGU_SYSTEMS: "hubspot" } });
});
afterAll(() => t?.close());

const DAY = 86_400_000;

describe("RFM segments from purchase events", () => {
  it("a rescore job ranks every buyer by recency, frequency and spend, and labels the segment", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const now = Date.now();
    // Five buyers, from the best customer to a lapsed one-off buyer; one person buys nothing.
    const buyers = [
      { email: "best@example.com", purchases: [1, 3, 8, 20, 40].map((d) => [d, 500]) },
      { email: "good@example.com", purchases: [5, 30, 60, 90].map((d) => [d, 200]) },
      { email: "mid@example.com", purchases: [45, 120].map((d) => [d, 100]) },
      { email: "fading@example.com", purchases: [200, 230].map((d) => [d, 60]) },
      { email: "lost@example.com", purchases: [400].map((d) => [d, 20]) },
    ];
    for (const { email } of [...buyers, { email: "browser@example.com" }])
      hs.createContact({ email, lastname: "Buyer" });
    await waitFor(async () => (await t.api("/v1/contacts?limit=200")).body.results.length === 6);
    await settle(t);
    const idOf = async (email: string) =>
      (await t.api(`/v1/contacts?email=${email}`)).body.results[0].id as string;
    const rows = [];
    for (const { email, purchases } of buyers) {
      const contactId = await idOf(email);
      for (const [days, amount] of purchases)
        rows.push({
          key: `shop:${email}:${days}`,
          contactId,
          system: "hubspot",
          type: "purchase",
          occurredAt: now - days! * DAY,
          title: "Order",
          detail: { amount: amount! },
        });
    }
    await t.hub.store.engagement.add(rows);

    const job = await t.api("/v1/rescore", { json: {} });
    await waitFor(
      async () => (await t.api(`/v1/rescore/${job.body.id}`)).body.status === "succeeded",
    );
    const rfm = async (email: string) =>
      (await t.api(`/v1/contacts/${await idOf(email)}`)).body.score.rfm;
    expect(await rfm("best@example.com")).toMatchObject({
      frequency: 5,
      monetary: 2500,
      code: "555",
      segment: "champions",
    });
    expect(await rfm("lost@example.com")).toMatchObject({ code: "111", segment: "lost" });
    expect((await rfm("fading@example.com")).segment).toBe("hibernating");
    expect(await rfm("browser@example.com")).toBeNull();
  });
});
