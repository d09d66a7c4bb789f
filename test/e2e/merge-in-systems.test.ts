import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pendingPairOf,
  recordsNamed,
  settle,
  startTestHub,
  systemsOf,
  type TestHub,
  waitFor,
} from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  // Seeded people give the matcher a population to fit its model on.
  t = await startTestHub({ people: 40, env: { TSUNAGU_SYSTEMS: "hubspot,salesforce,marketo" } });
  const run = await t.api("/v1/runs", { json: {} });
  await waitFor(
    async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded",
    30_000,
  );
  await settle(t);
});
afterAll(() => t?.close());

type Source = { system: string; object: string; externalId: string };
type ContactBody = { id: string; sources: Source[]; attributes: Record<string, unknown> };

const byEmail = async (email: string): Promise<ContactBody | undefined> =>
  (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];

const idIn = (contact: ContactBody, system: string) =>
  contact.sources.find((s) => s.system === system)?.externalId;

/** Records with this last name in each simulator, as their own APIs show them. */

/** API writes each simulator served (a POST to /composite/sobjects/{Type} is a retrieve). */
const writesTo = () =>
  [t.hub.sandboxes.hubspot!, t.hub.sandboxes.salesforce!, t.hub.sandboxes.marketo!].map(
    (s) =>
      s
        .requests()
        .filter(
          (r) =>
            r.method !== "GET" &&
            !/\/(search|read|query|token)|_method=GET|identity|\/composite\/sobjects\/\w+$/.test(
              r.path,
            ),
        ).length,
  );

describe("the review queue never blocks the sync, and a merge is carried into every system", () => {
  const emails = ["acc.hs.7.0@example.org", "acc.hs.7.1@example.org"];
  let people: ContactBody[] = [];
  let winnerId = "";
  let loserId = "";

  it("two namesakes with different emails created in HubSpot both reach Salesforce and Marketo within seconds, while their pair waits for review", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const started = Date.now();
    // What only one of them holds (a phone, a job title) must survive their merge.
    const own: Record<string, string>[] = [
      { phone: "+1 415 555 0170" },
      { jobtitle: "Head of Ops" },
    ];
    for (const [i, email] of emails.entries())
      hs.createContact({
        email,
        firstname: "Ada",
        lastname: "Hsuzuki",
        company: "Acme",
        ...own[i],
      });
    people = await waitFor(async () => {
      const found = await Promise.all(emails.map(byEmail));
      return found.every((c) => c?.sources.length === 3) && (found as ContactBody[]);
    }, 5_000);
    console.log(`both namesakes in Salesforce and Marketo after ${Date.now() - started} ms`);
    expect(people[0]!.id).not.toBe(people[1]!.id);
    for (const person of people)
      expect(systemsOf(person)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    await settle(t);
    expect(await recordsNamed(t, "Hsuzuki")).toEqual({ hubspot: 2, salesforce: 2, marketo: 2 });
  });

  it("a reviewer's merge of the pending pair leaves one person in the hub and one record in each system, audited", async () => {
    const pending = await pendingPairOf(
      t,
      people.map((p) => p.id),
    );
    const merged = await t.api(`/v1/duplicates/${pending.id}/merge`, { json: {} });
    expect(merged.status).toBe(200);
    winnerId = merged.body.id;
    loserId = people.find((p) => p.id !== winnerId)!.id;
    expect(systemsOf(merged.body)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    await settle(t);

    expect((await t.api(`/v1/contacts/${loserId}`)).status).toBe(404);
    const person = (await t.api(`/v1/contacts/${winnerId}`)).body as ContactBody;
    expect(systemsOf(person)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    expect(person.attributes).toMatchObject({ phone: "+14155550170", title: "Head of Ops" });
    expect(await recordsNamed(t, "Hsuzuki")).toEqual({ hubspot: 1, salesforce: 1, marketo: 1 });
    expect((await byEmail(emails.find((e) => person.attributes.email === e)!))?.id).toBe(winnerId);

    // Salesforce kept the winner's lead (merged away: the other, with MasterRecordId set).
    const winnerBefore = people.find((p) => p.id === winnerId)!;
    expect(idIn(person, "salesforce")).toBe(idIn(winnerBefore, "salesforce"));
    expect(idIn(person, "marketo")).toBe(idIn(winnerBefore, "marketo"));
    // HubSpot made a new contact of the two, which both old ids now resolve to.
    const hsId = idIn(person, "hubspot")!;
    expect(people.map((p) => idIn(p, "hubspot"))).not.toContain(hsId);
    expect(t.hub.sandboxes.hubspot!.getContact(idIn(winnerBefore, "hubspot")!)?.id).toBe(hsId);

    const audit = (await t.api(`/v1/contacts/${winnerId}/record-merges`)).body.results as {
      system: string;
      status: string;
      survivorId: string;
    }[];
    expect(audit.map((a) => [a.system, a.status]).sort()).toEqual([
      ["hubspot", "merged"],
      ["marketo", "merged"],
      ["salesforce", "merged"],
    ]);
    expect(audit.find((a) => a.system === "hubspot")!.survivorId).toBe(hsId);
    expect((await t.api("/v1/dead-letters?status=open")).body.results).toHaveLength(0);
  });

  it("the systems' own news of those merges (webhooks, merged-away records on the next run) changes nothing: no ping-pong", async () => {
    const before = writesTo();
    const merges = (await t.api(`/v1/contacts/${winnerId}`)).body.merges;
    const run = await t.api("/v1/runs", { json: {} });
    await waitFor(
      async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded",
      30_000,
    );
    await settle(t);
    expect(writesTo()).toEqual(before);
    const after = (await t.api(`/v1/contacts/${winnerId}`)).body;
    expect(after.merges).toEqual(merges);
    expect(systemsOf(after)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    expect(await recordsNamed(t, "Hsuzuki")).toEqual({ hubspot: 1, salesforce: 1, marketo: 1 });
  });

  it("unmerge splits the hub's person again; no system can unmerge, so the split-off person is created anew there with their own values", async () => {
    const undone = await t.api(`/v1/contacts/${winnerId}/unmerge`, { json: {} });
    expect(undone.status).toBe(200);
    expect(undone.body.restored.id).toBe(loserId);
    const restored = await waitFor(async () => {
      const c = (await t.api(`/v1/contacts/${loserId}`)).body as ContactBody;
      return c.sources?.length === 3 && c;
    });
    expect(systemsOf(restored)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    await settle(t);
    expect(restored.attributes).toMatchObject({ firstName: "Ada", lastName: "Hsuzuki" });
    expect(await recordsNamed(t, "Hsuzuki")).toEqual({ hubspot: 2, salesforce: 2, marketo: 2 });
    const winner = (await t.api(`/v1/contacts/${winnerId}`)).body as ContactBody;
    expect(systemsOf(winner)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
  });
});

/** Two people created in HubSpot, once each is in every system. */
async function twoPeople(lastName: string, emails: string[]) {
  for (const [i, email] of emails.entries())
    t.hub.sandboxes.hubspot!.createContact({ email, firstname: `Person${i}`, lastname: lastName });
  const people = await waitFor(async () => {
    const found = await Promise.all(emails.map(byEmail));
    return found.every((c) => c?.sources.length === 3) && (found as ContactBody[]);
  }, 30_000);
  await settle(t);
  return people;
}

describe("a merge a system refuses, and a merge made in a system", () => {
  it("an operator's merge Salesforce refuses for now is a retryable dead letter; the hub's merge stands, and the next attempt merges the leads", async () => {
    const [first, second] = await twoPeople("Hkimura", [
      "bea.hk.1@example.org",
      "bea.hk.2@example.org",
    ]);
    const sf = t.hub.sandboxes.salesforce!;
    sf.injectFault({
      status: 500,
      times: 1,
      pathPrefix: "/services/Soap",
      errorCode: "REQUEST_LIMIT_EXCEEDED",
      message: "TotalRequests Limit exceeded.",
    });
    // An operator's merge (the engine's API): carried into the systems like a reviewer's.
    const merged = await t.hub.engine.merge(first!.id, second!.id, "operator");
    const id = merged!.id;
    type Letter = { id: string; contactId: string; operation: string; retryable: boolean };
    const letter = await waitFor(async () => {
      const all = (await t.api("/v1/dead-letters?limit=200")).body.results as Letter[];
      return all.find((l) => l.contactId === id && l.operation === "merge");
    });
    expect(letter).toMatchObject({ retryable: true });
    // The retry pass (its time brought forward in the store) re-publishes the person, and
    // the merge is asked again (any earlier publish of the person, e.g. an echo, asks too).
    const sqlite = new Database(t.config.dbPath);
    sqlite
      .prepare("update dead_letters set next_attempt_at = ? where id = ?")
      .run(Date.now(), letter.id);
    sqlite.close();
    // Polled through the hub, not the simulators: polling their APIs spends the rate limits
    // the hub shares with the test.
    await waitFor(async () => {
      const all = (await t.api("/v1/dead-letters?limit=200")).body.results as (Letter & {
        status: string;
      })[];
      return all.find((l) => l.id === letter.id)?.status === "retried";
    }, 20_000);
    await settle(t);
    expect(await recordsNamed(t, "Hkimura")).toEqual({ hubspot: 1, salesforce: 1, marketo: 1 });
    expect(systemsOf((await t.api(`/v1/contacts/${id}`)).body)).toEqual([
      "hubspot/contact",
      "marketo/lead",
      "salesforce/Lead",
    ]);
    const audit = (await t.api(`/v1/contacts/${id}/record-merges`)).body.results as {
      system: string;
      status: string;
    }[];
    expect(audit.filter((a) => a.system === "salesforce").map((a) => a.status)).toEqual([
      "merged",
      "failed",
    ]);
  });

  it("two contacts merged by a user in HubSpot become one person, and the merge is carried into Salesforce and Marketo", async () => {
    const emails = ["bea.hn.1@example.org", "bea.hn.2@example.org"];
    const people = await twoPeople("Hnakamura", emails);
    const hs = t.hub.sandboxes.hubspot!;
    const merged = hs.mergeContacts(idIn(people[0]!, "hubspot")!, idIn(people[1]!, "hubspot")!);
    const person = await waitFor(async () => {
      const c = (await byEmail(emails[0]!)) as ContactBody | undefined;
      return c && idIn(c, "hubspot") === String(merged.id) && c.sources.length === 3 && c;
    });
    await settle(t);
    expect(systemsOf(person)).toEqual(["hubspot/contact", "marketo/lead", "salesforce/Lead"]);
    expect(await recordsNamed(t, "Hnakamura")).toEqual({ hubspot: 1, salesforce: 1, marketo: 1 });
    const detail = (await t.api(`/v1/contacts/${person.id}`)).body;
    expect(detail.merges).toHaveLength(1);
    expect(detail.merges[0].reason).toBe("hubspot:merge");
  });
});
