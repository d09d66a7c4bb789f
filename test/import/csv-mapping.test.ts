import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isCsvMapping, readCsvMappings, requiredColumns } from "../../src/import/csv-mapping.ts";
import { createImports } from "../../src/import/index.ts";
import { diskFolder } from "../../src/runtime/disk-folder.ts";
import { readConsentConfig } from "../../src/runtime/load-mappings.ts";
import { MAPPINGS_DIR, shippedMappings } from "../helpers/mappings.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A mappings folder holding one CSV mapping file. */
function folderWith(name: string, json: unknown): string {
  dir = mkdtempSync(join(tmpdir(), "tsunagu-csv-mapping-"));
  writeFileSync(join(dir, name), typeof json === "string" ? json : JSON.stringify(json, null, 2));
  return dir;
}

const minimal = {
  externalId: "id",
  fields: [{ canonical: "email", source: "email", transforms: ["trim", "lowercase"] }],
};

describe("CSV mappings (mappings/csv.<name>.json)", () => {
  it("the shipped febrl mapping reads name, address and birth date, rec_id as the external id", () => {
    const febrl = readCsvMappings(MAPPINGS_DIR).get("febrl")!;
    expect(febrl.system).toBe("csv:febrl");
    expect(febrl.object).toBe("row");
    expect(febrl.spec.externalId).toBe("rec_id");
    expect(requiredColumns(febrl).sort()).toEqual(
      [
        "rec_id",
        "given_name",
        "surname",
        "street_number",
        "address_1",
        "suburb",
        "postcode",
        "state",
        "date_of_birth",
      ].sort(),
    );
    expect(febrl.fields.every((f) => f.direction === "in")).toBe(true);
  });

  it("joins the mapping set as csv:<name>/row without becoming a target or changing rules", () => {
    const base = shippedMappings();
    const imports = createImports(
      { mappingsDir: MAPPINGS_DIR, dbPath: "/tmp/x/hub.db", importMaxBytes: 1024 },
      base,
    );
    expect(isCsvMapping(imports.mappings.get("csv:febrl", "row"))).toBe(true);
    expect(imports.mappings.get("csv:febrl", "Lead")).toBeUndefined();
    expect(imports.mappings.get("csv:nope", "row")).toBeUndefined();
    expect(imports.mappings.get("hubspot", "contact")).toBe(base.get("hubspot", "contact"));
    expect(imports.mappings.targets).toBe(base.targets);
    expect(imports.mappings.rules("company")).toBe("prefer_salesforce_unless_blank");
    expect(imports.uploadDir).toBe("/tmp/x/imports");
  });

  it.each([
    [
      "a bad transform",
      { ...minimal, fields: [{ canonical: "email", source: "email", transforms: ["shout"] }] },
      "fields[0].transforms[0]",
    ],
    [
      "an unknown canonical field",
      { ...minimal, fields: [{ canonical: "shoeSize", source: "shoe" }] },
      "fields[0].canonical",
    ],
    [
      "a sync rule",
      { ...minimal, fields: [{ canonical: "email", source: "email", rule: "two_way" }] },
      "fields[0].rule: sync rules are set in the system mappings",
    ],
    [
      "a field written out",
      { ...minimal, fields: [{ canonical: "email", source: "email", direction: "out" }] },
      "fields[0].direction",
    ],
    [
      "a bad date layout",
      { ...minimal, fields: [{ canonical: "birthDate", source: "dob", date: "DDMMYY" }] },
      "fields[0].date",
    ],
    ["no external id column", { fields: minimal.fields }, "externalId"],
    [
      "an unknown consent purpose",
      { ...minimal, consent: [{ column: "news", channel: "email", purpose: "gossip" }] },
      'consent[0].purpose: unknown purpose "gossip"',
    ],
    [
      "an opt-in without a legal basis",
      { ...minimal, consent: [{ column: "news", channel: "email" }] },
      "consent[0].legalBasis: an opt-in needs a legal basis",
    ],
    [
      "an unknown event type",
      { ...minimal, events: [{ type: "sneeze", at: "when" }] },
      "events[0].type",
    ],
  ])("refuses %s, naming the file and the field path", (_, json, path) => {
    const folder = folderWith("csv.shop.json", json);
    expect(() => readCsvMappings(folder, readConsentConfig(diskFolder(MAPPINGS_DIR)))).toThrow(
      `${join(folder, "csv.shop.json")}: ${path}`,
    );
  });

  it("refuses a file that is not JSON and a name that cannot be a system", () => {
    let folder = folderWith("csv.shop.json", "{ nope");
    expect(() => readCsvMappings(folder)).toThrow(/csv\.shop\.json: \(root\): not valid JSON/);
    rmSync(folder, { recursive: true });
    folder = folderWith("csv.Big Shop.json", minimal);
    expect(() => readCsvMappings(folder)).toThrow(/mapping name "Big Shop"/);
  });
});
