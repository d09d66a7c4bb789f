import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Link } from "../../src/core/contact.ts";
import { survive } from "../../src/core/survivorship.ts";

const link = (system: Link["system"], observed: Link["observed"]): Link => ({
  system,
  object: system === "hubspot" ? "contact" : "Lead",
  externalId: `${system}-1`,
  observed,
  lastSyncedAt: null,
});

describe("survivorship rules (HubSpot-connector parity)", () => {
  const hs = (value: string | null, at: number) => link("hubspot", { company: { value, at } });
  const sf = (value: string | null, at: number) => link("salesforce", { company: { value, at } });

  it("two_way: the most recent value wins, whichever system it came from", () => {
    const rules = () => "two_way";
    expect(survive([hs("Acme", 10), sf("Acme Corp", 20)], rules).company).toEqual({
      value: "Acme Corp",
      system: "salesforce",
      at: 20,
    });
    expect(survive([hs("Acme", 30), sf("Acme Corp", 20)], rules).company?.value).toBe("Acme");
  });

  it("prefer_salesforce_unless_blank: Salesforce's value even if older, HubSpot's when Salesforce is blank", () => {
    const rules = () => "prefer_salesforce_unless_blank";
    expect(survive([hs("Acme", 30), sf("Acme Corp", 20)], rules).company?.value).toBe("Acme Corp");
    expect(survive([hs("Acme", 10), sf(null, 20)], rules).company?.value).toBe("Acme");
    expect(survive([hs(null, 10), sf(null, 20)], rules).company?.value).toBe(null);
  });

  it("always_salesforce: Salesforce's value even when blank; another system's only without a Salesforce record", () => {
    const rules = () => "always_salesforce";
    expect(survive([hs("Acme", 30), sf(null, 20)], rules).company?.value).toBe(null);
    expect(survive([hs("Acme", 30)], rules).company?.value).toBe("Acme");
  });

  it("any order of the same observations gives the same golden record", () => {
    const observation = fc.record({
      system: fc.constantFrom("hubspot" as const, "salesforce" as const),
      value: fc.option(fc.constantFrom("a", "b", "c"), { nil: null }),
      at: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(observation, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("two_way", "prefer_salesforce_unless_blank", "always_hubspot"),
        (list, rule) => {
          const links = list.map((o, i) => ({
            ...link(o.system, { company: { value: o.value, at: o.at } }),
            externalId: String(i),
          }));
          const expected = survive(links, () => rule);
          expect(survive([...links].reverse(), () => rule)).toEqual(expected);
        },
      ),
    );
  });
});
