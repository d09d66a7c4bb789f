import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/hub.ts";

const root = resolve(import.meta.dirname, "../..");
const cwd = mkdtempSync(join(tmpdir(), "tsunagu-start-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(cwd, { recursive: true, force: true });
});

describe("npm start with no environment variables", () => {
  it("serves /healthz, syncs the seeded sandboxes, and shuts down cleanly on SIGTERM", async () => {
    // What `npm start` runs (node --import tsx), from an empty directory and with no tsunagu, HubSpot or Salesforce variables.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(TSUNAGU_|HUBSPOT_|SALESFORCE_|PORT$)/.test(k),
      ),
    );
    child = spawn(
      process.execPath,
      [
        "--import",
        join(root, "node_modules/tsx/dist/loader.mjs"),
        join(root, "src/runtime/node.ts"),
      ],
      {
        cwd,
        env,
      },
    );
    let stdout = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((done) => child!.once("exit", (code) => done(code)));

    await waitFor(() => stdout.includes("initial sync"), 30_000).catch((error) => {
      throw new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr.slice(0, 2000)}`);
    });
    expect(stdout).toContain("built-in hubspot simulator runs at http://127.0.0.1:4010");
    expect(stdout).toContain("built-in marketo simulator runs at http://127.0.0.1:4012");
    expect((await fetch("http://127.0.0.1:8787/healthz")).status).toBe(200);
    const auth = { authorization: "Bearer sandbox-admin-token" };
    const contacts = await waitFor(async () => {
      const body = (await (
        await fetch("http://127.0.0.1:8787/v1/contacts?limit=200", { headers: auth })
      ).json()) as {
        results: { sources: unknown[] }[];
      };
      return (
        body.results.length > 0 && body.results.every((c) => c.sources.length === 3) && body.results
      );
    }, 30_000);
    expect(contacts.length).toBeGreaterThan(10);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
