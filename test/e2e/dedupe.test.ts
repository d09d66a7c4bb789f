import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  leadInBoth,
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
  t = await startTestHub({ people: 40 });
  await runToEnd();
});
afterAll(() => t?.close());

type ContactBody = {
  id: string;
  sources: { system: string; object: string; externalId: string }[];
  attributes: Record<string, unknown>;
};

async function runToEnd() {
  const run = await t.api("/v1/runs", { json: {} });
  await waitFor(
    async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded",
    30_000,
  );
  await settle(t);
}

/** Creates records while neither simulator sends webhooks, so only a run sees them. */
async function withoutWebhooks(
  create: (
    hs: NonNullable<TestHub["hub"]["sandboxes"]["hubspot"]>,
    sf: NonNullable<TestHub["hub"]["sandboxes"]["salesforce"]>,
  ) => Promise<void>,
) {
  const hs = t.hub.sandboxes.hubspot!;
  const sf = t.hub.sandboxes.salesforce!;
  hs.setWebhookTarget(null);
  sf.setWebhookTarget(null);
  try {
    await create(hs, sf);
  } finally {
    hs.setWebhookTarget(`${t.hub.url}/webhooks/hubspot`);
    sf.setWebhookTarget(`${t.hub.url}/webhooks/salesforce`);
  }
}

async function byEmail(email: string): Promise<ContactBody | undefined> {
  return (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];
}

describe("identity resolution across systems", () => {
  it("a phone and surname already shared join the records outright (a deterministic key), before any scoring", async () => {
    await withoutWebhooks(async (hs, sf) => {
      hs.createContact({
        email: "kwame.asante@brightwave.example",
        firstname: "Kwame",
        lastname: "Asante-Boateng",
        mobilephone: "+44 7700 900123",
      });
      sf.createRecord("Lead", {
        Email: "kwame.ab@gmail.com",
        FirstName: "Kwame",
        LastName: "Asante-Boateng",
        MobilePhone: "+44 7700 900 123",
        Company: "Brightwave",
      });
      await runToEnd();
    });
    const person =
      (await byEmail("kwame.asante@brightwave.example")) ?? (await byEmail("kwame.ab@gmail.com"));
    expect(systemsOf(person!)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(await recordsNamed(t, "Asante-Boateng")).toEqual({ hubspot: 1, salesforce: 1 });
    expect((await t.api(`/v1/contacts/${person!.id}`)).body.merges).toEqual([]);
  });

  it("one person entered in HubSpot and Salesforce under different emails and phones becomes one merged record linked to both, with no copies made, and the merge is explained and undoable", async () => {
    await withoutWebhooks(async (hs, sf) => {
      hs.createContact({
        email: "margaret.okonkwo@quantix.io",
        firstname: "Margaret",
        lastname: "Okonkwo-Reyes",
        phone: "+1 415 555 0134",
        company: "Quantix Labs Inc.",
        city: "Oakland",
      });
      sf.createRecord("Lead", {
        Email: "maggie.okonkwo@gmail.com",
        FirstName: "Maggie",
        LastName: "Okonkwo-Reyes",
        Phone: "(415) 555-0143",
        Company: "Quantix Labs",
        City: "Oakland",
      });
      await runToEnd();
    });

    const merged =
      (await byEmail("margaret.okonkwo@quantix.io")) ?? (await byEmail("maggie.okonkwo@gmail.com"));
    expect(systemsOf(merged!)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(await recordsNamed(t, "Okonkwo-Reyes")).toEqual({ hubspot: 1, salesforce: 1 });

    const detail = (await t.api(`/v1/contacts/${merged!.id}`)).body;
    expect(detail.merges).toHaveLength(1);
    expect(detail.merges[0].reason).toBe("matcher");
    const evidence = detail.merges[0].evidence as {
      probability: number;
      evidence: { field: string; level: string; weight: number }[];
    };
    expect(evidence.probability).toBeGreaterThanOrEqual(0.95);
    const supporting = evidence.evidence.filter((e) => e.weight > 0).map((e) => e.field);
    expect(supporting).toEqual(expect.arrayContaining(["firstName", "lastName", "company"]));
    expect(evidence.evidence.find((e) => e.field === "firstName")!.level).toBe("nickname");

    // Undo: both people again, each with the record it brought, and the matcher leaves them apart.
    const undone = await t.api(`/v1/contacts/${merged!.id}/unmerge`, { json: {} });
    expect(undone.status).toBe(200);
    const people = [undone.body.winner, undone.body.restored] as ContactBody[];
    expect(people.map((p) => systemsOf(p)[0]).sort()).toEqual([
      "hubspot/contact",
      "salesforce/Lead",
    ]);
    const dismissed = (await t.api("/v1/duplicates?status=dismissed")).body.results as {
      a: ContactBody;
      b: ContactBody;
    }[];
    expect(dismissed.map((p) => [p.a.id, p.b.id].sort())).toContainEqual(
      people.map((p) => p.id).sort(),
    );
    await runToEnd();
    for (const person of people)
      expect((await t.api(`/v1/contacts/${person.id}`)).status).toBe(200);
  });

  it("a likely duplicate inside one system goes to review with its evidence; merge and dismiss are decisions that stick", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    const first = await leadInBoth(t, {
      Email: "ines.duarte@northwind.example",
      FirstName: "Ines",
      LastName: "Duarte-Lobo",
      Phone: "+1 212 555 0199",
      Company: "Northwind Traders",
    });
    // Someone keys her into Salesforce again, from a business card with her private address.
    const again = sf.createRecord("Lead", {
      Email: "ines.dl@fastmail.example",
      FirstName: "Ines",
      LastName: "Duarte-Lobo",
      MobilePhone: "917-555-0100",
      Company: "Northwind Traders Ltd",
    });
    const pending = await pendingPairOf(t, [first.id]);
    await settle(t);
    expect(pending.probability).toBeGreaterThanOrEqual(0.5);
    expect(pending.evidence.find((e) => e.field === "lastName")!.weight).toBeGreaterThan(0);
    const other = pending.a.id === first.id ? pending.b : pending.a;
    expect(systemsOf(other)).toContain("salesforce/Lead");

    // Dismissed: further edits to the lead do not bring the pair back.
    const dismissed = await t.api(`/v1/duplicates/${pending.id}/dismiss`, { json: {} });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.status).toBe("dismissed");
    sf.updateRecord("Lead", String(again.Id), { Title: "Procurement Lead" });
    await waitFor(async () => {
      const c = (await t.api(`/v1/contacts/${other.id}`)).body;
      return c.attributes?.title === "Procurement Lead";
    });
    await settle(t);
    const stillPending = (await t.api("/v1/duplicates?status=pending")).body.results as {
      a: ContactBody;
      b: ContactBody;
    }[];
    expect(stillPending.some((p) => [p.a.id, p.b.id].includes(first.id))).toBe(false);
    expect((await t.api(`/v1/duplicates/${pending.id}/merge`, { json: {} })).status).toBe(409);
  });

  it("merging a reviewed pair links the person to every record, and the history explains it", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    const first = await leadInBoth(t, {
      Email: "tomasz.wierzb@contoso.example",
      FirstName: "Tomasz",
      LastName: "Wierzbicki",
      Phone: "+1 303 555 0142",
      Company: "Contoso",
    });
    sf.createRecord("Lead", {
      Email: "t.wierzbicki@mailbox.example",
      FirstName: "Tomasz",
      LastName: "Wierzbicki",
      City: "Denver",
      Company: "Contoso Ltd",
    });
    const pending = await pendingPairOf(t, [first.id]);
    await settle(t);
    const merged = await t.api(`/v1/duplicates/${pending.id}/merge`, { json: {} });
    expect(merged.status).toBe(200);
    // The second lead reached HubSpot while the pair waited; the merge is carried into both.
    expect(systemsOf(merged.body)).toEqual(["hubspot/contact", "salesforce/Lead"]);
    expect(await recordsNamed(t, "Wierzbicki")).toEqual({ hubspot: 1, salesforce: 1 });
    const detail = (await t.api(`/v1/contacts/${merged.body.id}`)).body;
    expect(detail.merges[0].reason).toBe("review:api");
    expect(detail.merges[0].evidence.pair).toBe(pending.id);
    expect((await t.api(`/v1/duplicates/${pending.id}`)).body.status).toBe("merged");
    expect((await t.api(`/v1/duplicates/${pending.id}/dismiss`, { json: {} })).status).toBe(409);
  });
});

describe("the contact list", () => {
  it("pages through every merged record with its source links", async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { results: ContactBody[]; nextCursor: string | null } } = await t.api(
        `/v1/contacts?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      for (const contact of page.body.results) {
        expect(seen.has(contact.id)).toBe(false);
        expect(contact.sources.length).toBeGreaterThan(0);
        seen.add(contact.id);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(await t.hub.store.contacts.count());
  });
});
