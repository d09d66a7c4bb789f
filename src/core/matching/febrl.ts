import type { MatchRecord } from "./index.ts";

/**
 * FEBRL rows (`rec_id, given_name, surname, street_number, address_1, address_2, suburb,
 * postcode, state, date_of_birth, soc_sec_id`) as match records with canonical fields:
 * street = street_number + address_1, city = suburb, nationalId = soc_sec_id.
 */
export function febrlRecords(csv: string): MatchRecord[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0]!.split(",").map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`FEBRL: no column ${name}`);
    return i;
  };
  const idx = {
    id: col("rec_id"),
    given: col("given_name"),
    surname: col("surname"),
    number: col("street_number"),
    address1: col("address_1"),
    address2: col("address_2"),
    suburb: col("suburb"),
    postcode: col("postcode"),
    state: col("state"),
    dob: col("date_of_birth"),
    ssn: col("soc_sec_id"),
  };
  return lines.slice(1).map((line) => {
    const cells = line.split(",").map((c) => c.trim());
    const get = (i: number) => (cells[i] ? cells[i] : null);
    const street = [get(idx.number), get(idx.address1)].filter((x) => x != null).join(" ");
    return {
      id: get(idx.id)!,
      fields: {
        firstName: get(idx.given),
        lastName: get(idx.surname),
        street: street === "" ? null : street,
        address2: get(idx.address2),
        city: get(idx.suburb),
        postalCode: get(idx.postcode),
        state: get(idx.state),
        birthDate: get(idx.dob),
        nationalId: get(idx.ssn),
      },
    };
  });
}

/** FEBRL ground truth: the `N` of `rec-N-org` / `rec-N-dup-K`. */
export const febrlEntity = (id: string): string => id.split("-")[1]!;
