import type { SeedPerson } from "../../../src/sandbox/people.ts";
import type { StoredValue } from "./fields.ts";

/**
 * The shared fake people as Marketo leads (for `seed`). By default every other person, so
 * some exist only in Marketo and some are missing from it; the phone is written the way a
 * form fill leaves it (digits and dashes) to exercise normalisation.
 */
export function marketoSeed(
  people: SeedPerson[],
  pick: (person: SeedPerson, index: number) => boolean = (_, i) => i % 2 === 0,
): Array<Record<string, StoredValue>> {
  return people.filter(pick).map((p) => ({
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
    phone: p.phone.replace(/^\+1 (\d{3}) (\d{3}) (\d{4})$/, "$1-$2-$3"),
    company: p.company,
    title: p.title,
    city: p.city,
    state: p.state,
    country: p.country,
    leadSource: "Website",
  }));
}
