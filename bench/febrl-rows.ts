/**
 * FEBRL-shaped CSV rows for the import benches (bench/import.ts, bench/scale.ts): the
 * columns of the FEBRL synthetic census data (`mappings/csv.febrl.json`), generated with
 * faker from a fixed seed, so every run writes the same file. 1 % of the rows are bad:
 * row % 200 === 37 has an impossible month in date_of_birth, row % 200 === 137 no rec_id.
 * Those must be rejected with their row numbers; the rest have no email, so an import
 * creates nobody in the simulators.
 */
import { createWriteStream, statSync } from "node:fs";
import { faker } from "@faker-js/faker";

export const FEBRL_HEADER =
  "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id";

/** Whether row `row` (1-based, header excluded) is one of the deliberately bad ones. */
export const isBadFebrlRow = (row: number) => row % 100 === 37;

/** Writes `rows` rows (plus the header) to `file`; resolves with the file's size in bytes. */
export async function writeFebrlCsv(file: string, rows: number, seed = 2024): Promise<number> {
  faker.seed(seed);
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => out.once("drain", () => resolve()));
  await write(`${FEBRL_HEADER}\n`);
  // Rows are written a few hundred at a time: one write per row costs more than the row.
  let chunk = "";
  for (let row = 1; row <= rows; row++) {
    const dob = faker.date.birthdate({ min: 18, max: 90, mode: "age" });
    let date = dob.toISOString().slice(0, 10).replaceAll("-", "");
    let id = `rec-${row}-org`;
    if (isBadFebrlRow(row)) {
      if (row % 200 === 37) date = `${date.slice(0, 4)}13${date.slice(6)}`;
      else id = "";
    }
    const cells = [
      id,
      faker.person.firstName().toLowerCase(),
      faker.person.lastName().toLowerCase(),
      faker.number.int({ min: 1, max: 400 }),
      faker.location.street().toLowerCase(),
      "",
      faker.location.city().toLowerCase(),
      faker.location.zipCode("####"),
      faker.helpers.arrayElement(["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"]),
      date,
      faker.number.int({ min: 1_000_000, max: 9_999_999 }),
    ];
    chunk += `${cells.join(", ")}\n`;
    if (row % 500 === 0 || row === rows) {
      await write(chunk);
      chunk = "";
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return statSync(file).size;
}

/** How many of the first `rows` rows are bad. */
export function badFebrlRows(rows: number): number {
  let n = 0;
  for (let row = 37; row <= rows; row += 100) n++;
  return n;
}
