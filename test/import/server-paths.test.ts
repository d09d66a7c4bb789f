import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  publicImportParams,
  uploadIdOf,
  withoutPath,
  withoutServerPaths,
} from "../../src/import/job.ts";
import { startTestHub, type TestHub, waitFor } from "../helpers/hub.ts";

interface ImportJob {
  id: string;
  status: string;
  params: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEADER =
  "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id";
const CSV = `${HEADER}\nrec-1-org,ada,lovelace,12,main street,,springfield,2000,nsw,19151210,1234567\nrec-2-org,alan,turing,7,kings road,,bletchley,2600,act,19120623,7654321\n`;

describe("import params and errors as answers show them", () => {
  const file = `/srv/tsunagu/data/imports/${randomUUID()}.upload`;
  const params = { mapping: "febrl", file, start: 0, end: 10, bytes: 10, filename: "people.csv" };

  it("drop the upload's path, keeping a neutral upload id and the client's file name", () => {
    const shown = publicImportParams(params);
    expect(shown).toEqual({
      mapping: "febrl",
      start: 0,
      end: 10,
      bytes: 10,
      filename: "people.csv",
      upload: uploadIdOf(file),
    });
    expect(shown.upload).toMatch(UUID);
    expect(JSON.stringify(shown)).not.toContain("/srv");
    // A file that is not `<uuid>.upload` gives no id rather than a piece of its path.
    expect(publicImportParams({ mapping: "febrl", file: "/srv/x/hub.db" })).toEqual({
      mapping: "febrl",
    });
  });

  it("replace the upload's path, its folder and the data folder in messages", () => {
    expect(withoutServerPaths(`ENOENT: no such file or directory, open '${file}'`, params)).toBe(
      "ENOENT: no such file or directory, open 'the upload'",
    );
    expect(
      withoutServerPaths("EACCES: permission denied, mkdir '/srv/tsunagu/data/imports'", params),
    ).toBe("EACCES: permission denied, mkdir 'the upload folder'");
    expect(withoutServerPaths("cannot write /srv/tsunagu/data/hub.db", params)).toBe(
      "cannot write the data folder/hub.db",
    );
    // Only whole path segments: a longer name that starts the same stays as it is.
    expect(withoutServerPaths("row 3: /srv/tsunagu/database", params)).toBe(
      "row 3: /srv/tsunagu/database",
    );
  });

  it("file system errors of a running import lose their path", () => {
    const error = Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), {
      code: "ENOENT",
      syscall: "open",
      path: file,
    });
    expect(() => withoutPath(error)).toThrow("the uploaded file could not be read (ENOENT)");
    const other = new Error("header: Invalid Closing Quote");
    expect(() => withoutPath(other)).toThrow(other);
  });
});

describe("no HTTP answer about imports reveals a server path", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(() => t?.close());

  const post = (path: string, body: RequestInit["body"], headers: Record<string, string> = {}) =>
    fetch(`${t.hub.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.config.adminToken}`, ...headers },
      body,
    });
  /** Fails naming the answer when it carries the data folder, a temp path or an upload file. */
  const expectNoServerPath = (answer: unknown) => {
    const text = JSON.stringify(answer);
    for (const path of [t.dir, tmpdir(), "/tmp", ".upload", "/imports/"])
      expect(text, `answer contains ${path}`).not.toContain(path);
  };
  const ended = (id: string) =>
    waitFor(async () => {
      const job = (await t.api(`/v1/imports/${id}`)).body;
      return !["queued", "running"].includes(job.status) && job;
    }, 30_000);

  it("the import answer, the import, the listings and a cancel show an upload id, never the path", async () => {
    const res = await post("/v1/imports?mapping=febrl", CSV, { "content-type": "text/csv" });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as ImportJob;
    expectNoServerPath(queued);
    expect(queued.params.file).toBeUndefined();
    expect(queued.params.upload).toMatch(UUID);

    const form = new FormData();
    form.append("mapping", "febrl");
    form.append("file", new Blob([CSV], { type: "text/csv" }), "people.csv");
    const multipart = await post("/v1/imports", form);
    expect(multipart.status).toBe(202);
    const fromForm = (await multipart.json()) as ImportJob;
    expectNoServerPath(fromForm);
    expect(fromForm.params).toMatchObject({ mapping: "febrl", filename: "people.csv" });

    for (const id of [queued.id, fromForm.id]) {
      const job = await ended(id);
      expect(job.status).toBe("succeeded");
      expectNoServerPath(job);
      // The engine still has the path in the stored params.
      const stored = await t.hub.store.jobs.get(id, "import");
      expect(String(stored!.params.file)).toContain(t.dir);
      expect(job.params.upload).toBe(
        String(stored!.params.file)
          .split("/")
          .at(-1)!
          .replace(/\.upload$/, ""),
      );
    }
    const list = await t.api("/v1/imports");
    expect(list.status).toBe(200);
    expect(list.body.results.map((j: { id: string }) => j.id).sort()).toEqual(
      [queued.id, fromForm.id].sort(),
    );
    expectNoServerPath(list.body);
    const cancel = await t.api(`/v1/imports/${queued.id}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(202);
    expectNoServerPath(cancel.body);

    // Other job listings never list imports (and show no path either).
    for (const path of ["/v1/runs", "/v1/backfills", "/v1/rescore", "/v1/dedupe-scans"]) {
      const other = await t.api(path);
      expect(other.status, path).toBe(200);
      expect(other.body.results.map((j: { id: string }) => j.id)).not.toContain(queued.id);
      expectNoServerPath(other.body);
    }
    expect((await t.api(`/v1/runs/${queued.id}`)).status).toBe(404);
  });

  it("a failed import's errors name neither the upload nor the data folder", async () => {
    const id = randomUUID();
    const file = join(t.dir, "imports", `${randomUUID()}.upload`);
    await t.hub.store.jobs.create({
      id,
      kind: "import",
      params: { mapping: "febrl", file, start: 0, end: 10, bytes: 10 },
      progress: {},
      createdAt: Date.now(),
    });
    await t.hub.store.jobs.update(id, {
      status: "failed",
      finishedAt: Date.now(),
      errors: [
        { at: Date.now(), message: `Error: ENOENT: no such file or directory, open '${file}'` },
        { at: Date.now(), message: `Error: EACCES: permission denied, mkdir '${t.dir}/imports'` },
      ],
    });
    const job = (await t.api(`/v1/imports/${id}`)).body;
    expect(job.status).toBe("failed");
    expect(job.errors.map((e: { message: string }) => e.message)).toEqual([
      "Error: ENOENT: no such file or directory, open 'the upload'",
      "Error: EACCES: permission denied, mkdir 'the upload folder'",
    ]);
    expectNoServerPath(job);
    expectNoServerPath((await t.api("/v1/imports")).body);
  });
});
