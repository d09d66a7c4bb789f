import { describe, expect, it } from "vitest";
import { mapIn, mapOut } from "../../src/core/mapping.ts";
import { buildMappingSet } from "../../src/core/mapping-set.ts";
import { MappingError, parseMapping } from "../../src/core/mapping-spec.ts";
import { shippedMappings } from "../helpers/mappings.ts";

const set = shippedMappings();
const hubspot = set.get("hubspot", "contact")!;
const lead = set.get("salesforce", "Lead")!;

describe("mapping engine", () => {
  it("normalizes what systems send: trimmed lower-case email, E.164 phone, picklists to canonical values", () => {
    expect(
      mapIn(hubspot, {
        email: "  Ada.Lovelace@Example.COM ",
        phone: "(415) 555-0132",
        lifecyclestage: "marketingqualifiedlead",
        hs_lead_status: "IN_PROGRESS",
      }),
    ).toEqual({
      email: "ada.lovelace@example.com",
      phone: "+14155550132",
      lifecycleStage: "mql",
      leadStatus: "working",
    });
    expect(mapIn(lead, { Status: "Closed - Not Converted", NumberOfEmployees: "1,200" })).toEqual({
      leadStatus: "unqualified",
      numberOfEmployees: 1200,
    });
  });

  it("keeps a phone number it cannot parse as the person typed it", () => {
    expect(mapIn(hubspot, { phone: " ext. 12 " }).phone).toBe("ext. 12");
  });

  it("maps canonical values out through the reverse picklist and fills required fields only on create", () => {
    const values = { email: "a@b.co", leadStatus: "working", lastName: null };
    expect(mapOut(lead, values, { create: false })).toEqual({
      Email: "a@b.co",
      Status: "Working - Contacted",
      LastName: null,
    });
    expect(mapOut(lead, values, { create: true })).toEqual({
      Email: "a@b.co",
      Status: "Working - Contacted",
      LastName: "[not provided]",
      Company: "[not provided]",
    });
  });

  it("reads a placeholder the hub wrote for a required field back as blank", () => {
    expect(mapIn(lead, { Company: "[not provided]", LastName: "[not provided]" })).toEqual({
      company: null,
      lastName: null,
    });
  });

  it("splits and joins a full name held in one source field", () => {
    const mapping = parseMapping("x.json", {
      system: "hubspot",
      object: "contact",
      fields: [{ canonical: ["firstName", "lastName"], source: "name", join: { separator: " " } }],
    });
    expect(mapIn(mapping, { name: "Mary Ann Smith" })).toEqual({
      firstName: "Mary Ann",
      lastName: "Smith",
    });
    expect(
      mapOut(mapping, { firstName: "Mary Ann", lastName: "Smith" }, { create: false }),
    ).toEqual({ name: "Mary Ann Smith" });
  });

  it("converts dates to ISO calendar dates and back to the system's format", () => {
    const mapping = parseMapping("x.json", {
      system: "hubspot",
      object: "contact",
      fields: [
        { canonical: "birthDate", source: "dob", transforms: [{ date: { out: "epoch-ms" } }] },
      ],
    });
    expect(mapIn(mapping, { dob: "1815-12-10T00:00:00Z" }).birthDate).toBe("1815-12-10");
    expect(mapIn(mapping, { dob: "1700000000000" }).birthDate).toBe("2023-11-14");
    expect(mapOut(mapping, { birthDate: "2023-11-14" }, { create: false })).toEqual({
      dob: String(Date.UTC(2023, 10, 14)),
    });
  });
});

describe("mapping validation at startup", () => {
  const base = {
    system: "hubspot",
    object: "contact",
    fields: [{ canonical: "email", source: "email" }],
  };

  it("names the file and the field path of an unknown canonical field", () => {
    expect(() =>
      parseMapping("mappings/hubspot.contact.json", {
        ...base,
        fields: [{ canonical: "emial", source: "email" }],
      }),
    ).toThrow(/^mappings\/hubspot\.contact\.json: fields\[0\]\.canonical: /);
  });

  it("names a bad transform and a rule for an unknown system", () => {
    expect(() =>
      parseMapping("m.json", {
        ...base,
        fields: [{ canonical: "email", source: "email", transforms: ["shout"] }],
      }),
    ).toThrow(/m\.json: fields\[0\]\.transforms\[0\]/);
    expect(() =>
      parseMapping("m.json", {
        ...base,
        fields: [{ canonical: "email", source: "email", rule: "always_pipedrive" }],
      }),
    ).toThrow(
      new MappingError(
        'm.json: fields[0].rule: unknown system "pipedrive" (known: hubspot, salesforce, marketo)',
      ),
    );
  });

  it("rejects two files that give one field different sync rules, naming both", () => {
    const a = {
      file: "a.json",
      json: { ...base, fields: [{ canonical: "phone", source: "phone", rule: "two_way" }] },
    };
    const b = {
      file: "b.json",
      json: {
        system: "salesforce",
        object: "Lead",
        fields: [{ canonical: "phone", source: "Phone", rule: "always_salesforce" }],
      },
    };
    expect(() =>
      buildMappingSet(
        [a, b],
        [
          { system: "hubspot", createObject: "contact" },
          { system: "salesforce", createObject: "Lead" },
        ],
      ),
    ).toThrow(/b\.json: fields\[0\]\.rule: .*disagrees with "two_way" in a\.json/);
  });

  it("loads the shipped mappings with the documented rules", () => {
    expect(set.rules("company")).toBe("prefer_salesforce_unless_blank");
    expect(set.rules("leadStatus")).toBe("always_salesforce");
    expect(set.rules("email")).toBe("two_way");
  });
});
