import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  leadInBoth,
  pendingPairOf,
  personInBoth,
  recordsNamed,
  settle,
  startTestHub,
  type TestHub,
  waitFor,
} from "../helpers/hub.ts";
import {
  type ConsoleBrowser,
  enterToken,
  openBrowser,
  openConsole,
  screenshot,
} from "./browser.ts";

let t: TestHub;
let b: ConsoleBrowser;
let page: Page;

beforeAll(async () => {
  // Seeded people give the matcher a population to fit its model on.
  t = await startTestHub({ people: 40 });
  const run = await t.api("/v1/runs", { json: {} });
  await waitFor(
    async () => (await t.api(`/v1/runs/${run.body.id}`)).body.status === "succeeded",
    30_000,
  );
  await settle(t);
  b = await openBrowser(t.hub.url);
  page = await b.page();
}, 120_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

const ready = () => page.waitForSelector("body[data-ready=true]");

/** Records with this last name in each simulator, read through their public APIs. */

describe("the ops console in Chromium", () => {
  it("asks for the admin token, refuses without it, and says so when the hub rejects one", async () => {
    await page.goto("/console");
    await page.locator("#token-dialog").waitFor({ state: "visible" });
    await page.locator("#token-dialog").getByRole("button", { name: "Cancel" }).click();
    await ready();
    await expect
      .poll(() => page.locator("#notice").textContent())
      .toContain("Refused: this needs the admin token");

    await page.goto("/console");
    await enterToken(page, "not-the-token");
    await page.locator("#token-reason").getByText("did not accept").waitFor();
    await enterToken(page, t.config.adminToken);
    await ready();
    await page.getByRole("heading", { name: "Runs and jobs" }).waitFor();
    expect(await page.locator("#notice").textContent()).toBe("");
  });

  it("an action taken after the token was forgotten asks for it, and sends nothing when refused", async () => {
    const runs = async () => (await t.api("/v1/runs?limit=200")).body.results.length;
    const before = await runs();
    await openConsole(page, "/console");
    await page.getByRole("button", { name: "Forget token" }).click();
    await page.getByRole("button", { name: "Run an incremental sync" }).click();
    await page.locator("#token-reason").getByText("This action changes data").waitFor();
    await page.locator("#token-dialog").getByRole("button", { name: "Cancel" }).click();
    await page.locator("#notice").getByText("Refused: this needs the admin token").waitFor();
    expect(await runs()).toBe(before);
    await page.getByRole("button", { name: "Enter token" }).click();
    await enterToken(page, t.config.adminToken);
    await page.getByRole("button", { name: "Forget token" }).waitFor();
  });

  it("every endpoint the console changes data with refuses a call without the token", async () => {
    const writes = [
      ["POST", "/v1/backfills"],
      ["POST", "/v1/runs"],
      ["POST", "/v1/imports?mapping=febrl"],
      ["POST", "/v1/rescore"],
      ["POST", "/v1/dedupe-scans"],
      ["POST", "/v1/jobs/x/cancel"],
      ["POST", "/v1/duplicates/x/merge"],
      ["POST", "/v1/duplicates/x/dismiss"],
      ["POST", "/v1/contacts/x/unmerge"],
      ["POST", "/v1/contacts/x/erase"],
      ["POST", "/v1/dead-letters/x/replay"],
      ["POST", "/v1/sync-health/replay"],
    ];
    for (const [method, path] of writes) {
      const response = await fetch(`${t.hub.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("starts a dry-run backfill that shows its per-system plan, then a backfill that finishes", async () => {
    // Three people only HubSpot knows: no webhook tells the hub, so only a backfill finds them.
    const hs = t.hub.sandboxes.hubspot!;
    hs.setWebhookTarget(null);
    try {
      for (const n of [1, 2, 3])
        hs.createContact({
          email: `quiet${n}@example.com`,
          firstname: "Quinn",
          lastname: `Quiet${n}`,
        });
    } finally {
      hs.setWebhookTarget(`${t.hub.url}/webhooks/hubspot`);
    }

    await openConsole(page, "/console");
    const form = page.getByRole("form", { name: "Start a backfill" });
    await form.getByLabel("System").selectOption("hubspot");
    await form.getByLabel("Dry run").check();
    await form.getByRole("button", { name: "Start backfill" }).click();
    const dry = page.locator("tr[data-kind=backfill]").first();
    await expect.poll(() => dry.getAttribute("data-status"), { timeout: 30_000 }).toBe("succeeded");
    await dry.getByText("dry run").waitFor();
    const plan = dry.locator("table[aria-label='planned per system'] tr[data-system=salesforce]");
    expect(await plan.locator("[data-count=create]").textContent()).toBe("3");
    expect((await t.api("/v1/contacts?email=quiet1@example.com")).body.results).toEqual([]);

    await form.getByLabel("Dry run").uncheck();
    await form.getByRole("button", { name: "Start backfill" }).click();
    const real = page.locator("tr[data-kind=backfill]:not(:has-text('dry run'))").first();
    await real.waitFor();
    await expect
      .poll(() => real.getAttribute("data-status"), { timeout: 30_000 })
      .toBe("succeeded");
    const id = await real.getAttribute("data-job-id");
    const job = (await t.api(`/v1/backfills/${id}`)).body;
    expect(job.status).toBe("succeeded");
    expect(job.progress["salesforce.create"]).toBe(3);
    await expect.poll(() => real.textContent()).toContain(`read ${job.progress.read}`);
    expect(await real.locator("tr[data-system=salesforce] [data-count=create]").textContent()).toBe(
      "3",
    );
    const quiet = (await t.api("/v1/contacts?email=quiet1@example.com")).body.results[0];
    expect(quiet.sources.map((s: { system: string }) => s.system).sort()).toEqual([
      "hubspot",
      "salesforce",
    ]);
  });

  it("uploads a CSV import with a progress bar and shows it finished", async () => {
    const header =
      "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id";
    const rows = Array.from(
      { length: 12 },
      (_, i) =>
        `rec-${i}-org,Imogen${i},Quarrington${i},${i + 1},banks street,,fitzroy,3065,vic,1980010${(i % 9) + 1},${5000000 + i}`,
    );
    await openConsole(page, "/console");
    const form = page.getByRole("form", { name: "Import a CSV file" });
    await form.getByLabel("Mapping").selectOption("febrl");
    await form.getByLabel("File").setInputFiles({
      name: "visitors.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`${header}\n${rows.join("\n")}\n`),
    });
    await form.getByRole("button", { name: "Upload and import" }).click();
    await form.getByText("Uploaded; importing").waitFor();
    expect(
      await form.locator("progress").evaluate((p) => {
        const bar = p as unknown as { value: number; max: number };
        return bar.value / bar.max;
      }),
    ).toBe(1);
    const row = page.locator("tr[data-kind=import]").first();
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("succeeded");
    await row.getByText("visitors.csv").waitFor();
    await expect.poll(() => row.textContent()).toContain("accepted 12");
    await screenshot(page, "jobs");
  });

  it("merges a pending pair side by side, and the hub then holds one person with both records", async () => {
    const first = await leadInBoth(t, {
      Email: "tomasz.wierzb@contoso.example",
      FirstName: "Tomasz",
      LastName: "Wierzbicki",
      Phone: "+1 303 555 0142",
      Company: "Contoso",
      Title: "VP Marketing",
    });
    t.hub.sandboxes.salesforce!.createRecord("Lead", {
      Email: "t.wierzbicki@mailbox.example",
      FirstName: "Tomasz",
      LastName: "Wierzbicki",
      City: "Denver",
      Company: "Contoso Ltd",
    });
    const pair = await pendingPairOf(t, [first.id], 30_000);
    await settle(t);

    await openConsole(page, "/console/duplicates");
    const card = page.locator(`article[data-pair-id="${pair.id}"]`);
    await card.waitFor();
    await card.locator(".evidence-row[data-field=lastName] .bar.for").waitFor();
    await card.getByText("Denver").waitFor();
    await screenshot(page, "duplicates");
    await card.getByRole("button", { name: "Merge" }).click();
    await page.locator("#notice").getByText("Merged into Tomasz Wierzbicki").waitFor();
    await card.waitFor({ state: "detached" });

    expect((await t.api(`/v1/duplicates/${pair.id}`)).body.status).toBe("merged");
    const people = (await t.api("/v1/search?q=Tomasz%20Wierzbicki")).body.results;
    expect(people).toHaveLength(1);
    const sources = people[0].contact.sources.map((s: { system: string }) => s.system).sort();
    expect(sources.filter((s: string) => s === "hubspot")).toHaveLength(1);
    await settle(t);
    // Merged inside both systems too: one record of Tomasz left in each.
    expect(await recordsNamed(t, "Wierzbicki")).toEqual({ hubspot: 1, salesforce: 1 });
    const audit = await t.hub.store.recordMerges.forContact(people[0].contact.id);
    expect(audit.map((r) => [r.system, r.status]).sort()).toEqual([
      ["hubspot", "merged"],
      ["salesforce", "merged"],
    ]);
  });

  it("opens a person: attributes with their source, records, consent with the deciding statement, score, history", async () => {
    const [person] = (await t.api("/v1/search?q=Tomasz%20Wierzbicki")).body.results;
    const id = person.contact.id as string;
    const consent = await t.api(`/v1/contacts/${id}/consent`, {
      json: {
        channel: "email",
        state: "opted_out",
        evidence: { kind: "call_centre", ref: "T-4711" },
      },
    });
    expect(consent.status).toBe(201);
    await settle(t);

    await page.goto(`/console/search?q=${encodeURIComponent("Tomasz Wierzbicki")}`);
    await ready();
    await page.getByRole("link", { name: "Tomasz Wierzbicki" }).click();
    await ready();
    await page.getByRole("heading", { name: "Tomasz Wierzbicki" }).waitFor();
    const attributes = page.locator("section[aria-labelledby=attributes]");
    await attributes.locator("tr[data-field=lastName]").getByText("Wierzbicki").waitFor();
    expect(await attributes.locator("tr[data-field=lastName] .badge").textContent()).toMatch(
      /hubspot|salesforce/,
    );
    const row = page.locator(
      "section[aria-labelledby=consent] tr[data-channel=email][data-purpose='']",
    );
    await row.getByText("opted out", { exact: true }).waitFor();
    expect(await row.locator(".decided").textContent()).toMatch(
      /^opted out via api · explicit · .* · call_centre T-4711$/,
    );
    const detail = (await t.api(`/v1/contacts/${id}`)).body;
    const score = page.locator("section[aria-labelledby=score]");
    expect(await score.locator("[data-score]").textContent()).toBe(String(detail.score.total));
    await score.getByText(detail.score.grade, { exact: true }).waitFor();
    for (const reason of detail.score.reasons) await score.getByText(reason.rule).first().waitFor();
    const records = page.locator("section[aria-labelledby=records] li");
    expect(await records.count()).toBe(detail.sources.length);
    const link = await records.filter({ hasText: "hubspot" }).locator("a").getAttribute("href");
    expect(link).toMatch(/\/_sandbox\/contacts\//);
    await page.locator("section[aria-labelledby=merges]").getByText("review:api").waitFor();
    await page
      .locator("section[aria-labelledby=merges]")
      .getByRole("button", { name: "Unmerge" })
      .waitFor();
    await screenshot(page, "person");

    await page
      .locator("section[aria-labelledby=merges]")
      .getByRole("button", { name: "Unmerge" })
      .click();
    await page.locator("#notice").getByText("Unmerged: both people exist again.").waitFor();
    await page.locator("section[aria-labelledby=merges]").getByText("undone").waitFor();
    expect((await t.api("/v1/search?q=Tomasz%20Wierzbicki")).body.results).toHaveLength(2);
  });

  it("groups a failure by system and code, and replays it once the cause is fixed", async () => {
    const sf = t.hub.sandboxes.salesforce!;
    sf.injectFault({
      status: 503,
      times: 50,
      method: "POST",
      pathPrefix: "/services/data/v62.0/composite/sobjects",
    });
    t.hub.sandboxes.hubspot!.createContact({
      email: "outage@example.com",
      firstname: "Olive",
      lastname: "Outage",
    });
    const letter = await waitFor(async () => {
      const open = (await t.api("/v1/dead-letters?status=open")).body.results as {
        id: string;
        system: string;
        error: { code: string };
      }[];
      return open.find((l) => l.system === "salesforce");
    }, 30_000);
    await settle(t);
    sf.clearFaults();

    await openConsole(page, "/console/health");
    const card = page.locator(`article[data-system=salesforce][data-code="${letter.error.code}"]`);
    await card.waitFor();
    await card.getByText("Olive Outage").first().waitFor({ state: "attached" });
    await card.locator("summary").click();
    await screenshot(page, "health");

    const csv = page.waitForEvent("download");
    await card.getByRole("button", { name: "Export CSV" }).click();
    const download = await csv;
    const text = readFileSync((await download.path())!, "utf8");
    expect(text.split("\r\n")[0]).toBe(
      "id,system,object,externalId,contactId,operation,code,message,attempts,retry,createdAt,updatedAt",
    );
    expect(text).toContain(letter.id);

    await card.getByRole("button", { name: /Replay all/ }).click();
    await page
      .locator("#notice")
      .getByText(/Replayed \d+ failures/)
      .waitFor();
    await card.waitFor({ state: "detached" });
    const replayed = (await t.api("/v1/dead-letters?status=replayed")).body.results as {
      id: string;
    }[];
    expect(replayed.map((l) => l.id)).toContain(letter.id);
    await expect
      .poll(
        async () =>
          (await t.api("/v1/contacts?email=outage@example.com")).body.results[0]?.sources.length,
        { timeout: 20_000 },
      )
      .toBe(2);
  });

  it("finds people by email, by name and by a system's record id", async () => {
    const person = await personInBoth(t, "searchable.sam@example.com", {
      firstname: "Samwise",
      lastname: "Searchable",
    });
    const expectFound = async (q: string, how: string) => {
      await page.goto("/console");
      await ready();
      await page.getByRole("search").getByRole("searchbox").fill(q);
      await page.getByRole("search").getByRole("searchbox").press("Enter");
      await page.waitForURL(/\/console\/search/);
      await ready();
      const row = page.locator(`tr[data-contact-id="${person.id}"]`);
      await row.waitFor();
      expect(await row.locator("td").last().textContent()).toBe(how);
    };
    await expectFound("Searchable.Sam@Example.com", "email");
    await expectFound(person.sfId, "record id");
    await expectFound(person.hsId, "record id");
    await expectFound("samwise searchable", "name");
    await screenshot(page, "search");
  });

  it("erases a person only after the confirmation is typed", async () => {
    const person = await personInBoth(t, "erase.me@example.com", {
      firstname: "Erin",
      lastname: "Erasable",
    });
    await openConsole(page, `/console/people/${person.id}`);
    await page.getByRole("button", { name: "Erase this person…" }).click();
    const dialog = page.getByRole("dialog", { name: "Erase Erin Erasable?" });
    const confirm = dialog.getByRole("button", { name: "Erase everywhere" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Type ERASE").fill("erase");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Type ERASE").fill("ERASE");
    await confirm.click();
    await page.getByRole("heading", { name: "Person erased" }).waitFor();
    await expect
      .poll(() => page.locator("p.summary").getAttribute("data-status"), { timeout: 20_000 })
      .toBe("completed");
    expect((await t.api(`/v1/contacts/${person.id}`)).status).toBe(404);
  });

  it("shows a problem as a sentence: a person who does not exist", async () => {
    await openConsole(page, "/console/people/no-such-person");
    expect(await page.locator("#notice").textContent()).toContain(
      "Not found: no contact with that id.",
    );
  });

  it("serves the API docs with Swagger UI from the package, not a CDN", async () => {
    const docs = await b.page();
    await docs.goto("/docs");
    await docs.locator(".swagger-ui .info .title").getByText("tsunagu").waitFor();
    await docs.locator(".opblock-summary-path", { hasText: "/v1/sync-health" }).first().waitFor();
    await screenshot(docs, "docs", false);
    await docs.close();
  });

  it("made no request off the hub and logged no script or CSP errors", () => {
    expect(b.offsite).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
