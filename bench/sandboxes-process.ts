/**
 * The three simulators in a process of their own, for bench/scale.ts: a HubSpot simulator
 * holding a million contacts (and the Salesforce and Marketo ones filling up with the
 * backfill's writes) would otherwise count in the hub's RSS.
 *
 * `node --import tsx bench/sandboxes-process.ts <contacts>` starts HubSpot seeded with
 * <contacts> contacts, an empty Salesforce and an empty Marketo, all with lifted limits,
 * and prints one JSON line on stdout: a SimulatorInfo (./hub-env.ts) plus `seedMs`. Then
 * each line "stats" on stdin is answered with a JSON line of counts and this process's
 * RSS; the end of stdin closes the simulators and exits.
 *
 * Seeding a million through seedPeople (faker, every field of every person) takes over a
 * minute on its own; here 20,000 faker people form a pool and each contact draws its name,
 * company, title, place and email domain from independent positions of it (so no two
 * contacts share everything), with an email (first.last.<n>@domain) and a phone made unique
 * by the contact's number <n>.
 */
import { createInterface } from "node:readline";
import { startHubspotSandbox } from "../connectors/hubspot/sandbox/index.ts";
import { startMarketoSandbox } from "../connectors/marketo/sandbox/index.ts";
import { startSalesforceSandbox } from "../connectors/salesforce/sandbox/index.ts";
import { seedPeople } from "../src/sandbox/people.ts";
import { LIFTED_SANDBOX_LIMITS, type SimulatorInfo } from "./hub-env.ts";

const contacts = Number(process.argv[2] ?? 0);

/** Distinct HubSpot contacts, fast: see the header. */
export function manyContacts(count: number): Record<string, string>[] {
  const pool = seedPeople(Math.min(Math.max(count, 1), 20_000), 99);
  // An integer hash per field, so the picks for one contact are unrelated to each other.
  const pick = (i: number, salt: number) => {
    let h = Math.imul(i ^ salt, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return pool[(h >>> 0) % pool.length]!;
  };
  const local = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "");
  return Array.from({ length: count }, (_, i) => {
    const firstname = pool[i % pool.length]!.firstName;
    const lastname = pick(i, 0x27d4eb2f).lastName;
    const domain = pick(i, 0x7feb352d).email.split("@")[1]!;
    const place = pick(i, 0x5bd1e995);
    return {
      email: `${local(firstname)}.${local(lastname)}.${i}@${domain}`,
      firstname,
      lastname,
      phone: `+1 ${200 + (i % 800)} 555 ${String(Math.floor(i / 800) % 10_000).padStart(4, "0")}`,
      company: pick(i, 0x165667b1).company,
      jobtitle: pick(i, 0x61c88647).title,
      city: place.city,
      state: place.state,
      country: place.country,
      lifecyclestage: "lead",
    };
  });
}

const started = performance.now();
const [hs, sf, mk] = await Promise.all([
  startHubspotSandbox({ port: 0, seed: manyContacts(contacts), ...LIFTED_SANDBOX_LIMITS.hubspot }),
  startSalesforceSandbox({ port: 0, ...LIFTED_SANDBOX_LIMITS.salesforce }),
  startMarketoSandbox({ port: 0, ...LIFTED_SANDBOX_LIMITS.marketo }),
]);
const seedMs = performance.now() - started;
// Request logs grow with every call; nothing here reads them.
const trim = setInterval(() => {
  hs.clearRequests();
  sf.clearRequests();
  mk.clearRequests();
}, 10_000);

const info: SimulatorInfo & { seedMs: number } = {
  hubspot: { baseUrl: hs.baseUrl, accessToken: hs.accessToken, clientSecret: hs.clientSecret },
  salesforce: {
    baseUrl: sf.baseUrl,
    accessToken: sf.accessToken,
    organizationId: sf.organizationId,
  },
  marketo: {
    baseUrl: mk.baseUrl,
    clientId: mk.clientId,
    clientSecret: mk.clientSecret,
    webhookSecret: mk.webhookSecret,
  },
  seedMs,
};
process.stdout.write(`${JSON.stringify(info)}\n`);

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "stats") return;
  process.stdout.write(
    `${JSON.stringify({
      hubspotContacts: hs.contactCount(),
      marketoLeads: mk.leadCount(),
      salesforceApiCalls: sf.apiUsage().used,
      rss: process.memoryUsage.rss(),
    })}\n`,
  );
});
lines.on("close", async () => {
  clearInterval(trim);
  await Promise.all([hs.close(), sf.close(), mk.close()]);
  process.exit(0);
});
