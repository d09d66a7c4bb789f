import { en, Faker } from "@faker-js/faker";

export interface SeedPerson {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  company: string;
  title: string;
  city: string;
  state: string;
  country: string;
  /** Where this person already exists when the sandbox starts. */
  inHubspot: boolean;
  inSalesforce: "Lead" | "Contact" | null;
}

/**
 * Realistic fake people from a fixed seed, so every sandbox start shows the same data.
 * A third exist in both systems, which is where the merge shows: their Salesforce email
 * differs only in case, their phone in formatting.
 */
export function seedPeople(count: number, seed = 20261123): SeedPerson[] {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  return Array.from({ length: count }, (_, i) => {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const company = faker.company.name();
    const where = i % 3;
    return {
      firstName,
      lastName,
      email: faker.internet
        .email({ firstName, lastName, provider: `${faker.internet.domainWord()}.example` })
        .toLowerCase(),
      phone: `+1 ${faker.string.numeric({ length: 3, allowLeadingZeros: false }).replace(/^[01]/, "5")} 555 0${faker.string.numeric(3)}`,
      company,
      title: faker.person.jobTitle(),
      city: faker.location.city(),
      state: faker.location.state({ abbreviated: true }),
      country: "United States",
      inHubspot: where !== 1,
      inSalesforce: where === 0 ? null : i % 5 === 0 ? "Contact" : "Lead",
    };
  });
}

export function hubspotSeed(people: SeedPerson[]): Record<string, string>[] {
  return people
    .filter((p) => p.inHubspot)
    .map((p) => ({
      email: p.email,
      firstname: p.firstName,
      lastname: p.lastName,
      phone: p.phone,
      company: p.company,
      jobtitle: p.title,
      city: p.city,
      state: p.state,
      country: p.country,
      lifecyclestage: "lead",
    }));
}

export function salesforceSeed(people: SeedPerson[]) {
  return people
    .filter((p) => p.inSalesforce)
    .map((p) => {
      // The same person as typed by a sales rep: different case, local phone format.
      const email = p.inHubspot
        ? p.email.replace(/^[^@]+/, (local) =>
            local.replace(/(^|[._])(\w)/g, (_, sep, c) => sep + c.toUpperCase()),
          )
        : p.email;
      const phone = p.phone.replace(/^\+1 (\d{3}) (\d{3}) (\d{4})$/, "($1) $2-$3");
      const common = {
        FirstName: p.firstName,
        LastName: p.lastName,
        Email: email,
        Phone: phone,
        Title: p.title,
      };
      return p.inSalesforce === "Contact"
        ? {
            type: "Contact" as const,
            fields: {
              ...common,
              MailingCity: p.city,
              MailingState: p.state,
              MailingCountry: p.country,
            },
          }
        : {
            type: "Lead" as const,
            fields: {
              ...common,
              Company: p.company,
              City: p.city,
              State: p.state,
              Country: p.country,
            },
          };
    });
}
