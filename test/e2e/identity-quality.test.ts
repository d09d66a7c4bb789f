import { createReadStream, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { febrlEntity } from "../../src/core/matching/febrl.ts";
import { normalizeEmail } from "../../src/core/matching/normalize.ts";
import { startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";
import { loadMatchingConfig } from "../matching/load-config.ts";
import { exactKeyPairs, pairwiseQuality, type Quality, show } from "../matching/metrics.ts";

/**
 * Identity quality as a user gets it: FEBRL files imported through `POST /v1/imports` (the
 * online matcher, page by page), people read back from `GET /v1/contacts`, pairwise
 * precision/recall/F1 over the rows each person holds. The email-only baseline (what exact
 * email dedup gives) is printed beside; FEBRL carries no email, so it finds nothing.
 */
const FEBRL = resolve(process.cwd(), "../shared/data/febrl");
const FLOOR = { precision: 0.99, recall: 0.98, f1: 0.99 };
const config = loadMatchingConfig();

interface ContactView {
  id: string;
  attributes: Record<string, unknown>;
  sources: { system: string; externalId: string }[];
}

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function importFile(hub: TestHub, file: string) {
  const res = await fetch(`${hub.hub.url}/v1/imports?mapping=febrl`, {
    method: "POST",
    headers: { authorization: `Bearer ${hub.config.adminToken}`, "content-type": "text/csv" },
    body: Readable.toWeb(createReadStream(resolve(FEBRL, file))) as ReadableStream,
    duplex: "half",
  } as RequestInit);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const job = await waitFor(async () => {
    const body = (await hub.api(`/v1/imports/${id}`)).body as {
      status: string;
      progress: Record<string, number>;
    };
    return body.status !== "queued" && body.status !== "running" && body;
  }, 240_000);
  expect(job.status).toBe("succeeded");
  return job.progress;
}

async function allContacts(hub: TestHub): Promise<ContactView[]> {
  const out: ContactView[] = [];
  let cursor: string | null = null;
  do {
    const page = (
      await hub.api(
        `/v1/contacts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      )
    ).body as { results: ContactView[]; nextCursor: string | null };
    out.push(...page.results);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Pairs of rows the hub holds as one person, and every row id it holds. */
function pairsOfPeople(people: readonly ContactView[]) {
  const ids: string[] = [];
  const pairs: { a: string; b: string }[] = [];
  for (const person of people) {
    const rows = person.sources.filter((s) => s.system === "csv:febrl").map((s) => s.externalId);
    ids.push(...rows);
    for (let i = 0; i < rows.length; i++)
      for (let j = i + 1; j < rows.length; j++) pairs.push({ a: rows[i]!, b: rows[j]! });
  }
  return { ids, pairs };
}

/** Email-only dedup over the same rows: people sharing a normalized email. */
function emailBaseline(people: readonly ContactView[], ids: readonly string[]): Quality {
  const rows = people.flatMap((p) =>
    p.sources
      .filter((s) => s.system === "csv:febrl")
      .map((s) => ({
        id: s.externalId,
        email:
          normalizeEmail(
            typeof p.attributes.email === "string" ? p.attributes.email : null,
            config.email.providers,
          )?.email ?? null,
      })),
  );
  return pairwiseQuality(
    exactKeyPairs(rows, (i) => rows[i]!.email),
    febrlEntity,
    ids,
  );
}

async function measure(files: string[], label: string) {
  t = await startTestHub({ env: { TSUNAGU_SYSTEMS: "hubspot" } });
  const started = performance.now();
  for (const file of files) await importFile(t, file);
  const seconds = (performance.now() - started) / 1000;
  const people = await allContacts(t);
  const { ids, pairs } = pairsOfPeople(people);
  const quality = pairwiseQuality(pairs, febrlEntity, ids);
  const baseline = emailBaseline(people, ids);
  const review = (await t.api("/v1/duplicates?status=pending&limit=200")).body.results.length;
  console.log(
    `${label} via POST /v1/imports (${ids.length} rows -> ${people.length} people, ${seconds.toFixed(1)} s, ${review}${review === 200 ? "+" : ""} pending review)\n` +
      `  ${show("online matcher", quality)}\n  ${show("baseline email only", baseline)}`,
  );
  return { quality, baseline, ids };
}

describe("identity quality through the CSV import (FEBRL)", () => {
  it.each([
    ["FEBRL 1", ["dataset1.csv"]],
    ["FEBRL 2", ["dataset2.csv"]],
    ["FEBRL 4a + 4b (two imports)", ["dataset4a.csv", "dataset4b.csv"]],
  ])(
    "%s: pairwise F1 of the people read back clears the floors and beats email-only",
    async (label, files) => {
      const { quality, baseline, ids } = await measure(files, label);
      const rows = files.reduce(
        (n, f) => n + readFileSync(resolve(FEBRL, f), "utf8").trim().split("\n").length - 1,
        0,
      );
      expect(ids.length).toBeGreaterThan(rows * 0.97);
      expect(quality.precision).toBeGreaterThanOrEqual(FLOOR.precision);
      expect(quality.recall).toBeGreaterThanOrEqual(FLOOR.recall);
      expect(quality.f1).toBeGreaterThanOrEqual(FLOOR.f1);
      expect(quality.f1).toBeGreaterThan(baseline.f1);
    },
    600_000,
  );
});
