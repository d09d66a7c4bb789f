import { describe, expect, it } from "vitest";
import { dedupeEvents } from "../../src/core/scoring/dedupe.ts";
import { scoreContact } from "../../src/core/scoring/score.ts";
import { event, MINUTE, NOW, rules } from "./fixtures.ts";

const keys = (events: ReturnType<typeof dedupeEvents>) => events.map((e) => e.key);

describe("dedupe across systems", () => {
  it("a HubSpot and a Marketo form fill in the same minute count once", () => {
    const url = "https://acme.com/contact";
    const hs = event("form_submit", NOW + 5_000, {
      key: "hs-1",
      system: "hubspot",
      url,
      title: "Contact us",
    });
    const mk = event("form_submit", NOW + 40_000, {
      key: "mk-1",
      system: "marketo",
      url: "https://ACME.com/contact/?utm_source=x",
      title: " contact  US ",
    });
    expect(keys(dedupeEvents([hs, mk]))).toEqual(["mk-1"]); // the newest copy is kept
    // scored: one form, 50 points at age ~0
    expect(
      scoreContact({ attributes: {}, events: [hs, mk], now: NOW, rules: rules() }).engagement,
    ).toBe(50);
  });

  it("a Salesforce Task the hub wrote (detail.tsunaguKey) counts once", () => {
    const click = event("email_click", NOW - 3 * 3_600_000, {
      key: "hs-click-9",
      url: "https://acme.com/x",
    });
    const task = event("task", NOW - 3 * 3_600_000 + 2 * MINUTE, {
      key: "sf-task-1",
      system: "salesforce",
      title: "[tsunagu] Email click",
      detail: { tsunaguKey: "hs-click-9" },
    });
    expect(keys(dedupeEvents([click, task]))).toEqual(["hs-click-9"]);
    // without the original in the list, the Task is kept (and scores as a task)
    expect(keys(dedupeEvents([task]))).toEqual(["sf-task-1"]);
  });

  it("re-reads of the same key count once", () => {
    const a = event("page_view", NOW, { key: "k", url: "https://a.io/" });
    expect(keys(dedupeEvents([a, { ...a }]))).toEqual(["k"]);
  });

  it("different type, URL or title are different events", () => {
    const at = NOW;
    const events = [
      event("page_view", at, { key: "a", url: "https://a.io/x" }),
      event("page_view", at, { key: "b", url: "https://a.io/y" }),
      event("email_click", at, { key: "c", url: "https://a.io/x" }),
      event("form_submit", at, { key: "d", title: "Demo" }),
      event("form_submit", at, { key: "e", title: "Newsletter" }),
    ];
    expect(keys(dedupeEvents(events))).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("window: under 10 minutes apart collapse, 10 or more do not; 0 disables", () => {
    const at = (m: number, key: string) =>
      event("page_view", NOW + m * MINUTE, { key, url: "https://a.io/x" });
    expect(keys(dedupeEvents([at(0, "a"), at(9, "b")]))).toEqual(["b"]);
    expect(keys(dedupeEvents([at(0, "a"), at(10, "b")]))).toEqual(["a", "b"]);
    expect(keys(dedupeEvents([at(0, "a"), at(9, "b")], 0))).toEqual(["a", "b"]);
    expect(keys(dedupeEvents([at(0, "a"), at(30, "b")], 60))).toEqual(["b"]);
  });

  it("keeps the newest, then the next one a full window older (no chaining)", () => {
    const at = (m: number) =>
      event("page_view", NOW + m * MINUTE, { key: `m${m}`, url: "https://a.io/x" });
    // newest first: 12 kept; 6 is 6 min before 12: dropped; 0 is 12 min before 12: kept
    expect(keys(dedupeEvents([at(0), at(6), at(12)]))).toEqual(["m0", "m12"]);
  });
});
