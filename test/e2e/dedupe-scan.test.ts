import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { settle, startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";
import { mappingsWith } from "../helpers/mappings.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function runToEnd(t: TestHub, path: string) {
  const job = await t.api(path, { json: {} });
  await waitFor(
    async () => (await t.api(`${path}/${job.body.id}`)).body.status === "succeeded",
    30_000,
  );
  await settle(t);
  return (await t.api(`${path}/${job.body.id}`)).body;
}

describe("a dedupe scan over the whole store", () => {
  it("merges pairs the settings now call certain (after autoMerge was lowered), and leaves decided pairs alone", async () => {
    // First the hub runs with a matcher that never merges on its own: the pair waits for review.
    const cautious = mappingsWith("matching.json", (json) => {
      (json.thresholds as Record<string, number>).autoMerge = 1;
    });
    const store = mkdtempSync(join(tmpdir(), "tsunagu-scan-"));
    dirs.push(cautious, store);
    const dbPath = join(store, "hub.db");
    let t = await startTestHub({ people: 40, dbPath, env: { TSUNAGU_MAPPINGS: cautious } });
    const hs = t.hub.sandboxes.hubspot!;
    const sf = t.hub.sandboxes.salesforce!;
    hs.setWebhookTarget(null);
    sf.setWebhookTarget(null);
    hs.createContact({
      email: "aiko.tanabe@lumen.example",
      firstname: "Aiko",
      lastname: "Tanabe-Whitfield",
      company: "Lumen Optics",
      city: "Portland",
    });
    sf.createRecord("Lead", {
      Email: "aiko.tw@mailbox.example",
      FirstName: "Aiko",
      LastName: "Tanabe-Whitfield",
      Company: "Lumen Optics Inc",
      City: "Portland",
    });
    await runToEnd(t, "/v1/runs");
    const pending = (await t.api("/v1/duplicates?status=pending")).body.results as {
      id: string;
      probability: number;
    }[];
    expect(pending).toHaveLength(1);
    expect(pending[0]!.probability).toBeGreaterThan(0.95);
    await t.close();

    // Restarted with the shipped settings, a scan applies them to everyone already stored.
    t = await startTestHub({ people: 40, dbPath });
    try {
      const scan = await runToEnd(t, "/v1/dedupe-scans");
      expect(scan.kind).toBe("dedupe");
      expect(scan.progress.merged).toBe(1);
      expect((await t.api(`/v1/duplicates/${pending[0]!.id}`)).body.status).toBe("merged");
      const person = (await t.api("/v1/contacts?email=aiko.tanabe@lumen.example")).body.results[0];
      const detail = (await t.api(`/v1/contacts/${person.id}`)).body;
      expect(detail.merges[0].reason).toBe("matcher:scan");
      expect(detail.sources.map((s: { system: string }) => s.system).sort()).toEqual([
        "hubspot",
        "salesforce",
      ]);
      // A second scan finds nothing new to do.
      const again = await runToEnd(t, "/v1/dedupe-scans");
      expect(again.progress.merged ?? 0).toBe(0);
    } finally {
      await t.close();
    }
  });
});
