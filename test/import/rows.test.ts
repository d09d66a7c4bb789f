import { describe, expect, it } from "vitest";
import { parseCsvMapping, readCsvMappings } from "../../src/import/csv-mapping.ts";
import { parseDateLayout, parseInstant, rowConverter } from "../../src/import/rows.ts";
import { MAPPINGS_DIR } from "../helpers/mappings.ts";

const AT = Date.parse("2026-03-01T12:00:00Z");
const FEBRL_HEADER = [
  "rec_id",
  "given_name",
  "surname",
  "street_number",
  "address_1",
  "address_2",
  "suburb",
  "postcode",
  "state",
  "date_of_birth",
  "soc_sec_id",
];
const febrl = rowConverter(readCsvMappings(MAPPINGS_DIR).get("febrl")!, FEBRL_HEADER, AT);

const shop = parseCsvMapping(
  "csv.shop.json",
  "shop",
  {
    externalId: "customer",
    fields: [
      { canonical: "email", source: "email", transforms: ["trim", "lowercase"] },
      {
        canonical: ["firstName", "lastName"],
        source: "name",
        join: { separator: " " },
        required: true,
      },
      { canonical: "numberOfEmployees", source: "staff", transforms: ["number"] },
    ],
    consent: [
      {
        column: "newsletter",
        channel: "email",
        purpose: "newsletter",
        legalBasis: "CONSENT_WITH_NOTICE",
        at: "signed",
        date: "DD/MM/YYYY",
      },
    ],
    events: [{ type: "purchase", at: "ordered", title: "product", detail: { amount: "total" } }],
  },
  undefined,
);
const SHOP_HEADER = [
  "customer",
  "email",
  "name",
  "staff",
  "newsletter",
  "signed",
  "ordered",
  "product",
  "total",
];
const shopRow = rowConverter(shop, SHOP_HEADER, AT);
const cells = (values: Partial<Record<string, string>>) => SHOP_HEADER.map((c) => values[c] ?? "");

describe("CSV rows -> source records", () => {
  it("a FEBRL row becomes a csv:febrl record with the street joined and an ISO birth date", () => {
    const result = febrl(1, [
      "rec-223-org",
      "",
      "waller",
      "6",
      "tullaroop street",
      "willaroo",
      "st james",
      "4011",
      "wa",
      "19081209",
      "6988048",
    ]);
    expect(result).toEqual({
      ok: true,
      value: {
        row: 1,
        record: {
          system: "csv:febrl",
          object: "row",
          externalId: "rec-223-org",
          modifiedAt: AT,
          // The blank given name is left out: an import never blanks a value.
          fields: {
            surname: "waller",
            street: "6 tullaroop street",
            suburb: "st james",
            postcode: "4011",
            state: "wa",
            date_of_birth: "1908-12-09",
          },
        },
        consent: [],
        events: [],
      },
    });
  });

  it.each([
    [{ customer: "" }, "customer: missing external id"],
    [{ name: "" }, "name: required"],
    [{ email: "not-an-email" }, 'email: invalid email "not-an-email"'],
    [{ staff: "-3" }, 'staff: invalid numberOfEmployees "-3"'],
    [{ newsletter: "maybe" }, 'newsletter: unknown consent answer "maybe"'],
    [{ newsletter: "yes", signed: "31/02/2026" }, 'signed: unparseable date "31/02/2026"'],
    [{ ordered: "last tuesday" }, 'ordered: unparseable date "last tuesday"'],
  ])("rejects %o: %s", (values, reason) => {
    const result = shopRow(7, cells({ customer: "C-1", name: "Ada Lovelace", ...values }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it("rejects a row with the wrong number of columns and an unparseable FEBRL date", () => {
    expect(febrl(3, ["rec-1-org", "ada"])).toEqual({
      ok: false,
      reason: "expected 11 columns, found 2",
    });
    const bad = febrl(4, ["rec-444-dup-0", "a", "b", "", "", "", "", "", "", "19371233", ""]);
    expect(bad).toEqual({
      ok: false,
      reason: 'date_of_birth: unparseable date "19371233" (expected YYYYMMDD)',
    });
  });

  it("turns consent and purchase columns into statements and events keyed by the row", () => {
    const result = shopRow(
      2,
      cells({
        customer: "C-9",
        email: " Ada@Example.com ",
        name: "Ada King Lovelace",
        newsletter: "YES",
        signed: "05/01/2026",
        ordered: "2026-02-10T09:30:00Z",
        product: "Engine",
        total: "120.50",
      }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.record.fields).toEqual({
      email: " Ada@Example.com ",
      name: "Ada King Lovelace",
    });
    expect(result.value.consent).toEqual([
      {
        channel: "email",
        purpose: "newsletter",
        state: "opted_in",
        explicit: true,
        legalBasis: "CONSENT_WITH_NOTICE",
        occurredAt: Date.parse("2026-01-05T00:00:00Z"),
        evidence: { kind: "csv_import", ref: "csv:shop/C-9" },
      },
    ]);
    expect(result.value.events).toEqual([
      {
        key: `csv:shop/C-9/purchase/${Date.parse("2026-02-10T09:30:00Z")}`,
        system: "csv:shop",
        type: "purchase",
        person: { object: "row", externalId: "C-9" },
        occurredAt: Date.parse("2026-02-10T09:30:00Z"),
        title: "Engine",
        detail: { amount: "120.50" },
      },
    ]);
  });

  it("reads date layouts strictly: calendar dates only", () => {
    expect(parseDateLayout("19081209", "YYYYMMDD")).toBe("1908-12-09");
    expect(parseDateLayout("9/1/2024", "DD/MM/YYYY")).toBe("2024-01-09");
    expect(parseDateLayout("2024-02-29", "YYYY-MM-DD")).toBe("2024-02-29");
    expect(parseDateLayout("2023-02-29", "YYYY-MM-DD")).toBeNull();
    expect(parseDateLayout("19081309", "YYYYMMDD")).toBeNull();
    expect(parseDateLayout("1908129", "YYYYMMDD")).toBeNull();
    expect(parseInstant("2026-01-05")).toBe(Date.parse("2026-01-05T00:00:00Z"));
    expect(parseInstant("05.01.2026", "DD.MM.YYYY")).toBe(Date.parse("2026-01-05T00:00:00Z"));
    expect(parseInstant("yesterday")).toBeNull();
  });
});
