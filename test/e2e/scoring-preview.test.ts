import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

describe("POST /v1/scoring/preview", () => {
  it("scores a posted person with the shipped rules, explains it, and writes nothing", async () => {
    const before = await t.hub.store.contacts.count();
    const at = "2026-11-23T12:00:00Z";
    const res = await t.api("/v1/scoring/preview", {
      json: {
        attributes: { email: "vp@acme.example", title: "VP Marketing", lifecycleStage: "lead" },
        events: [
          {
            type: "form_submit",
            occurredAt: at,
            title: "Contact us",
            detail: { pageUrl: "https://acme.example/contact" },
          },
          { type: "email_click", occurredAt: at, detail: { url: "https://acme.example/blog" } },
        ],
        at,
      },
    });
    expect(res.status).toBe(200);
    // title: VP +20 (fit); form +50 and email click +3, both fresh, so no decay (engagement).
    expect(res.body).toMatchObject({
      fit: 20,
      engagement: 53,
      total: 73,
      grade: "C",
      lifecycleStage: "mql",
    });
    expect(res.body.reasons[0]).toEqual({ rule: "form", points: 50 });
    expect(res.body.summary).toContain("73 (C)");
    expect(await t.hub.store.contacts.count()).toBe(before);
  });

  it("tries posted rules instead; invalid ones get a 400 naming the field", async () => {
    const rules = {
      fit: [{ name: "any title", field: "title", when: { present: true }, points: 7 }],
      engagement: [],
      grades: { A: 30, B: 20, C: 10 },
      lifecycle: { stages: [{ name: "lead", minScore: 0 }] },
    };
    const ok = await t.api("/v1/scoring/preview", {
      json: { attributes: { title: "CTO" }, rules },
    });
    expect(ok.body).toMatchObject({ total: 7, fit: 7, grade: "D" });
    const bad = await t.api("/v1/scoring/preview", {
      json: {
        attributes: {},
        rules: { ...rules, fit: [{ name: "x", field: "title", when: { regex: "(" }, points: 1 }] },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toMatch(/^rules\.fit\[0\]\.when/);
  });

  it("rejects an unknown event type naming the field", async () => {
    const res = await t.api("/v1/scoring/preview", {
      json: { attributes: {}, events: [{ type: "telepathy", occurredAt: "2026-01-01T00:00:00Z" }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("events.0.type");
  });
});
