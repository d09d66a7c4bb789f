import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSandboxes } from "../../src/sandbox/start.ts";
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

type Ref = { system: string; externalId: string };

describe("a dedupe scan over the whole store", () => {
  it("merges pairs the settings now call certain (after autoMerge was lowered), and leaves decided pairs alone", async () => {
    // First the hub runs with a matcher that never merges on its own: the pair waits for review.
    const cautious = mappingsWith("matching.json", (json) => {
      (json.thresholds as Record<string, number>).autoMerge = 1;
    });
    const store = mkdtempSync(join(tmpdir(), "tsunagu-scan-"));
    dirs.push(cautious, store);
    const dbPath = join(store, "hub.db");
    // The systems outlive the hub's restart, as real ones do.
    const sandboxes = await startSandboxes({
      people: 40,
      hubspot: { port: 0, webhookRetryBaseMs: 50 },
      salesforce: { port: 0, outboundRetryBaseMs: 50 },
    });
    const hs = sandboxes.hubspot!;
    const sf = sandboxes.salesforce!;
    let t = await startTestHub({ dbPath, sandboxes, env: { TSUNAGU_MAPPINGS: cautious } });
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
    // Review never holds the sync: each is in both systems meanwhile, created by the hub.
    const records = async (email: string) =>
      ((await t.api(`/v1/contacts?email=${email}`)).body.results[0].sources as Ref[]).map(
        (s) => `${s.system}/${s.externalId}`,
      );
    const twoOfEach = [
      ...(await records("aiko.tanabe@lumen.example")),
      ...(await records("aiko.tw@mailbox.example")),
    ];
    expect(twoOfEach.map((r) => r.split("/")[0]).sort()).toEqual([
      "hubspot",
      "hubspot",
      "salesforce",
      "salesforce",
    ]);
    await t.close();

    // Restarted with the shipped settings, a scan applies them to everyone already stored.
    t = await startTestHub({ dbPath, sandboxes });
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
      // The hub's copies are merged inside each system: one record of Aiko left in each.
      const held = twoOfEach
        .map((r) => r.split("/"))
        .map(([system, id]) =>
          system === "hubspot" ? hs.getContact(id!)?.id : sf.getRecord("Lead", id!)?.Id,
        );
      expect(held.filter((id) => id !== undefined)).toHaveLength(3);
      expect(new Set(held.filter((id) => id !== undefined)).size).toBe(2);
      // A second scan finds nothing new to do.
      const again = await runToEnd(t, "/v1/dedupe-scans");
      expect(again.progress.merged ?? 0).toBe(0);
    } finally {
      await t.close();
      await Promise.all([hs.close(), sf.close()]);
    }
  });
});
