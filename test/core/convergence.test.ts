import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SourceRecord, SystemName } from "../../connectors/contract.ts";
import { linkKey } from "../../src/core/contact.ts";
import { type PlannedWrite, planContact } from "../../src/core/plan.ts";
import { WorkingSet } from "../../src/core/resolve.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

/**
 * A pure model of two systems and the hub's core (resolve -> merge -> plan -> refresh ->
 * push). Users edit either system at any time; the hub syncs in any order, with repeats.
 * Whatever the interleaving, the systems converge on the most recent edit and the hub
 * then stops writing (no ping-pong).
 */
const mappings = shippedMappings();
const FIELDS = {
  hubspot: { title: "jobtitle", city: "city" },
  salesforce: { title: "Title", city: "City" },
} as const;
type Field = keyof (typeof FIELDS)["hubspot"];

class Model {
  clock = 1000;
  writes = 0;
  readonly records: Record<SystemName, Map<string, SourceRecord>> = {
    hubspot: new Map(),
    salesforce: new Map(),
    marketo: new Map(),
  };
  readonly ws = new WorkingSet([], () => "person-1", shippedIdentity());
  readonly lastEdit = new Map<Field, string>();

  constructor() {
    this.put("hubspot", "contact", "h1", {
      email: "pat@example.com",
      firstname: "Pat",
      lastname: "Lee",
    });
    this.put("salesforce", "Lead", "s1", {
      Email: " PAT@example.com",
      FirstName: "Pat",
      LastName: "Lee",
      Company: "Lee Ltd",
    });
  }

  put(system: SystemName, object: string, id: string, fields: SourceRecord["fields"]) {
    const current = this.records[system]!.get(id);
    this.records[system]!.set(id, {
      system,
      object,
      externalId: id,
      modifiedAt: ++this.clock,
      fields: { ...current?.fields, ...fields },
    });
  }

  edit(system: "hubspot" | "salesforce", field: Field, value: string) {
    const record = [...this.records[system].values()][0]!;
    this.put(system, record.object, record.externalId, { [FIELDS[system][field]]: value });
    this.lastEdit.set(field, value);
  }

  /** One hub pass triggered by a notice from `system`. */
  sync(system: "hubspot" | "salesforce") {
    const apply = (records: SourceRecord[]) => {
      for (const r of records)
        this.ws.apply(r, mappings.get(r.system, r.object)!, mappings.rules, this.clock);
    };
    apply([...this.records[system].values()]);
    let writes = this.plan();
    if (writes.length > 0) {
      apply(
        writes.flatMap((w) => (w.externalId ? [this.records[w.system]!.get(w.externalId)!] : [])),
      );
      writes = this.plan();
    }
    for (const w of writes) this.push(w);
  }

  plan(): PlannedWrite[] {
    return [...this.ws.contacts.values()].flatMap((c) =>
      planContact(c, mappings.targets, mappings.rules),
    );
  }

  push(write: PlannedWrite) {
    this.writes++;
    const id = write.externalId ?? `${write.system}-new-${this.writes}`;
    this.put(write.system, write.object, id, write.fields);
    const contact = this.ws.contacts.get(write.contactId)!;
    const ref = { system: write.system, object: write.object, externalId: id };
    const link = contact.links.find((l) => linkKey(l) === linkKey(ref));
    if (link) link.observed = { ...link.observed, ...write.observed };
    else contact.links.push({ ...ref, observed: write.observed, lastSyncedAt: this.clock });
  }

  value(system: "hubspot" | "salesforce", field: Field) {
    return [...this.records[system].values()][0]!.fields[FIELDS[system][field]];
  }
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant("edit" as const),
    system: fc.constantFrom("hubspot" as const, "salesforce" as const),
    field: fc.constantFrom("title" as const, "city" as const),
    value: fc.constantFrom("CTO", "CEO", "Osaka", "Kyoto", "Lima"),
  }),
  fc.record({
    kind: fc.constant("sync" as const),
    system: fc.constantFrom("hubspot" as const, "salesforce" as const),
  }),
);

function settle(model: Model) {
  // Every change notice is eventually delivered: one more pass from each side.
  model.sync("hubspot");
  model.sync("salesforce");
  model.sync("hubspot");
}

describe("convergence of concurrent edits (pure core)", () => {
  it("any interleaving of edits and syncs converges on one value per field, one person, then no more writes", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const model = new Model();
        settle(model);
        for (const s of steps) {
          if (s.kind === "edit") model.edit(s.system, s.field, s.value);
          else model.sync(s.system);
        }
        settle(model);
        for (const field of ["title", "city"] as const) {
          expect(model.value("salesforce", field)).toBe(model.value("hubspot", field));
          if (model.lastEdit.has(field)) {
            expect(
              steps.some((s) => s.kind === "edit" && s.value === model.value("hubspot", field)),
            ).toBe(true);
          }
        }
        expect(model.ws.contacts.size).toBe(1);
        const settled = model.writes;
        settle(model);
        expect(model.writes).toBe(settled);
      }),
      { numRuns: 300 },
    );
  });

  it("when each edit is seen before the next, the most recent edit wins in both systems", () => {
    const edit = fc.record({
      system: fc.constantFrom("hubspot" as const, "salesforce" as const),
      field: fc.constantFrom("title" as const, "city" as const),
      value: fc.constantFrom("CTO", "CEO", "Osaka", "Kyoto", "Lima"),
    });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 20 }), (edits) => {
        const model = new Model();
        settle(model);
        for (const e of edits) {
          model.edit(e.system, e.field, e.value);
          model.sync(e.system);
        }
        settle(model);
        for (const [field, value] of model.lastEdit) {
          expect(model.value("hubspot", field)).toBe(value);
          expect(model.value("salesforce", field)).toBe(value);
        }
      }),
      { numRuns: 300 },
    );
  });
});
