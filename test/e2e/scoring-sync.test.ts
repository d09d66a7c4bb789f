import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  personInBoth,
  settle,
  startTestHub,
  type TestHub,
  waitFor,
  writeCount,
} from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

const DAY = 86_400_000;

async function runToEnd(path = "/v1/runs") {
  const job = await t.api(path, { json: {} });
  await waitFor(async () => (await t.api(`${path}/${job.body.id}`)).body.status === "succeeded");
  await settle(t);
  return (await t.api(`${path}/${job.body.id}`)).body;
}

describe("lead scores written back to every system", () => {
  it("scores the merged person by hand-checkable rules, writes score, grade, reasons and stage to both systems, moves with engagement and decay, and never writes an unchanged score again", async () => {
    const hs = t.hub.sandboxes.hubspot!;
    const sf = t.hub.sandboxes.salesforce!;
    // Fit by the shipped rules: "title: VP" +20, "industry: target" +10, "country: target" +10.
    const person = await personInBoth(t, "rosa.lindqvist@acme-analytics.example", {
      firstname: "Rosa",
      lastname: "Lindqvist",
      jobtitle: "VP Marketing",
      industry: "Software",
      country: "Germany",
    });
    const written = await waitFor(() => {
      const c = hs.getContact(person.hsId)!.properties as Record<string, string>;
      return c.tsunagu_score === "40" && c;
    });
    expect(written.tsunagu_grade).toBe("B");
    expect(written.tsunagu_score_reasons).toBe(
      "40 (B) – title: VP +20, country: target +10, industry: target +10",
    );
    expect(written.lifecyclestage).toBe("lead");
    const lead = sf.getRecord("Lead", person.sfId)!;
    expect(lead.Tsunagu_Score__c).toBe(40);
    expect(lead.Tsunagu_Grade__c).toBe("B");

    // A demo request 90 days ago (one half-life of "form: demo", 60 points) is worth 30 now.
    const form = hs.createForm("Request a demo");
    hs.submitForm(
      form.id,
      { email: "rosa.lindqvist@acme-analytics.example" },
      "https://acme.example/demo",
      Date.now() - 90 * DAY,
    );
    await runToEnd();
    const detail = (await t.api(`/v1/contacts/${person.id}`)).body;
    expect(detail.score).toMatchObject({ fit: 40, engagement: 30, total: 70, grade: "B" });
    expect(detail.score.lifecycleStage).toBe("mql");
    expect(detail.score.reasons[0]).toEqual({ rule: "form: demo", points: 30 });
    const after = hs.getContact(person.hsId)!.properties as Record<string, string>;
    expect(after.tsunagu_score).toBe("70");
    expect(after.lifecyclestage).toBe("marketingqualifiedlead");
    expect(sf.getRecord("Lead", person.sfId)!.Tsunagu_Score__c).toBe(70);

    // Nothing moved: neither another run nor a rescore job writes anything.
    hs.clearRequests();
    sf.clearRequests();
    await runToEnd();
    const rescore = await runToEnd("/v1/rescore");
    expect(rescore.kind).toBe("rescore");
    expect(rescore.progress.read ?? 0).toBe(0);
    expect(writeCount(hs.requests()) + writeCount(sf.requests())).toBe(0);
  });
});
