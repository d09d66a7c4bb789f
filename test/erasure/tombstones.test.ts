import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector, SourceRecord, SystemName } from "../../connectors/contract.ts";
import { createStore } from "../../src/store/index.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { startErasure, withoutErased } from "../../src/sync/erasure.ts";
import { type PipelineDeps, syncRecords } from "../../src/sync/pipeline.ts";
import { shippedIdentity, shippedMappings } from "../helpers/mappings.ts";

/**
 * What a tombstone blocks, without servers: the engine's own erasure and filter over a real
 * store. A record is dropped when identity resolution would have joined it to the erased
 * person by a deterministic key; a record that only looks alike is kept.
 */
let dir: string;
let close: () => void;
let deps: PipelineDeps;
let seq = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tsunagu-tombstones-"));
  const identity = shippedIdentity();
  const opened = openSqlite(join(dir, "hub.db"));
  close = opened.close;
  deps = {
    store: createStore(opened.db, identity),
    // No connector: nothing is written out, and erasure only records that it could not ask.
    connectors: new Map<SystemName, Connector>(),
    mappings: shippedMappings(),
    identity,
    now: Date.now,
    newId: randomUUID,
  };
});
afterAll(() => {
  close?.();
  rmSync(dir, { recursive: true, force: true });
});

const hubspot = (fields: Record<string, string>): SourceRecord => ({
  system: "hubspot",
  object: "contact",
  externalId: `hs-${++seq}`,
  modifiedAt: Date.now(),
  fields,
});
const lead = (fields: Record<string, string>, externalId = `00Q${++seq}`): SourceRecord => ({
  system: "salesforce",
  object: "Lead",
  externalId,
  modifiedAt: Date.now(),
  fields: { Company: "Elsewhere", ...fields },
});

/** A person known from HubSpot, then erased; returns their HubSpot record. */
async function erased(fields: Record<string, string>): Promise<SourceRecord> {
  const record = hubspot(fields);
  await syncRecords(deps, [record]);
  const [contact] = await deps.store.contacts.loadFor([record], []);
  await startErasure(deps, contact!, "test");
  expect(await deps.store.contacts.loadFor([record], [])).toEqual([]);
  return record;
}

const kept = async (record: SourceRecord) =>
  (await withoutErased(deps, [record])).map((r) => r.externalId);

describe("a tombstone blocks every record identity would have joined to the erased person", () => {
  it("by email under the provider rules: dots, case, +tags and googlemail are one gmail mailbox", async () => {
    await erased({ email: "jane.doe@gmail.com", firstname: "Jane", lastname: "Doe" });
    for (const email of [
      "Jane.Doe+news@googlemail.com",
      "janedoe@gmail.com",
      " J.A.N.E.D.O.E@GMAIL.COM ",
    ])
      expect(await kept(lead({ Email: email, LastName: "Other" })), email).toEqual([]);
    expect(await kept(lead({ Email: "jane.doe2@gmail.com", LastName: "Doe" }))).toHaveLength(1);
    // Outlook strips +tags but keeps dots: another mailbox there.
    expect(await kept(lead({ Email: "janedoe@outlook.com", LastName: "Doe" }))).toHaveLength(1);
  });

  it("by email, for any way of writing the mailbox (property)", async () => {
    await erased({ email: "Kenji.Sato+crm@googlemail.com", lastname: "Sato" });
    const dots = fc.array(fc.boolean(), { minLength: 9, maxLength: 9 });
    const variant = fc
      .tuple(dots, fc.boolean(), fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/)), fc.boolean())
      .map(([dot, upper, tag, googlemail]) => {
        const name = [..."kenjisato"].map((c, i) => (dot[i] && i > 0 ? `.${c}` : c)).join("");
        const local = `${upper ? name.toUpperCase() : name}${tag ? `+${tag}` : ""}`;
        return `${local}@${googlemail ? "googlemail.com" : "gmail.com"}`;
      });
    await fc.assert(
      fc.asyncProperty(variant, async (email) => {
        expect(await kept(lead({ Email: email, LastName: "Unrelated" }))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("by phone key: the same number written another way, with the same surname and initial", async () => {
    await erased({
      email: "mika@example.com",
      firstname: "Mika",
      lastname: "Tanaka",
      phone: "+1 202 555 0143",
    });
    for (const phone of ["(202) 555-0143", "202.555.0143", "+12025550143"]) {
      const record = lead({
        Email: "m.tanaka@other.example",
        FirstName: "M.",
        LastName: "Tanaka",
        Phone: phone,
      });
      expect(await kept(record), phone).toEqual([]);
      const mobile = lead({ FirstName: "Mika", LastName: "TANAKA", MobilePhone: phone });
      expect(await kept(mobile), `mobile ${phone}`).toEqual([]);
    }
    // A phone alone is no identity (a switchboard), nor phone and surname (a household).
    expect(
      await kept(lead({ FirstName: "Kaito", LastName: "Tanaka", Phone: "(202) 555-0143" })),
    ).toHaveLength(1);
    expect(
      await kept(lead({ FirstName: "Mika", LastName: "Suzuki", Phone: "(202) 555-0143" })),
    ).toHaveLength(1);
  });

  it("by record id: the same system record, even with nothing else in common", async () => {
    const record = await erased({ email: "rin@example.com", lastname: "Ito" });
    expect(
      await kept({ ...record, fields: { email: "someone@else.example", lastname: "Else" } }),
    ).toEqual([]);
    // The same id in another system or object is another record.
    expect(await kept(lead({ LastName: "Else" }, record.externalId))).toHaveLength(1);
  });

  it("by the keys of every record of the person, not only the merged record's", async () => {
    const hs = hubspot({
      email: "aoi.mori@gmail.com",
      firstname: "Aoi",
      lastname: "Mori",
      phone: "+1 202 555 0188",
    });
    // The lead joins her by phone key and shows another address.
    const sf = lead({
      Email: "aoi@work.example",
      FirstName: "Aoi",
      LastName: "Mori",
      Phone: "(202) 555-0188",
    });
    await syncRecords(deps, [hs]);
    await syncRecords(deps, [sf]);
    const [contact] = await deps.store.contacts.loadFor([hs], []);
    expect(contact?.links.map((l) => l.system).sort()).toEqual(["hubspot", "salesforce"]);
    await startErasure(deps, contact!, "test");
    for (const email of ["AoiMori+x@googlemail.com", " Aoi@Work.example"])
      expect(await kept(lead({ Email: email, LastName: "Unrelated" })), email).toEqual([]);
  });
});

describe("tombstones written before the provider rules", () => {
  /** The only email form older versions hashed: `email:` and the address trimmed and lower-cased. */
  async function legacyTombstone(address: string) {
    const salt = await deps.store.settings.getOrCreate("tombstone_salt", () => "unused");
    const hash = createHash("sha256").update(`${salt}\u0000email:${address}`).digest("hex");
    await deps.store.erasures.begin(
      {
        id: randomUUID(),
        requestedBy: "old-version",
        status: "completed",
        targets: [],
        createdAt: Date.now(),
      },
      [hash],
      "nobody",
    );
  }

  it("keep blocking the address they were written for, in any case or spacing", async () => {
    await legacyTombstone("sora.kato@gmail.com");
    for (const email of ["sora.kato@gmail.com", " Sora.Kato@GMAIL.com "])
      expect(await kept(lead({ Email: email, LastName: "Kato" })), email).toEqual([]);
  });

  it("of a canonical address block every variant of that mailbox", async () => {
    await legacyTombstone("harukimura@gmail.com");
    for (const email of ["Haru.Kimura+news@googlemail.com", "haru.kimura@gmail.com"])
      expect(await kept(lead({ Email: email, LastName: "Kimura" })), email).toEqual([]);
  });
});
