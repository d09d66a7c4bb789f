import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell } from "../../src/http/routes/sync-health.ts";
import { startTestHub, type TestHub } from "../helpers/hub.ts";

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${t.hub.url}${path}`, { headers });

describe("the console's pages and assets", () => {
  it("every page is a shell with no data, no inline script and a same-origin CSP", async () => {
    for (const path of [
      "/console",
      "/console/health",
      "/console/duplicates",
      "/console/search?q=x",
      "/console/people/abc",
    ]) {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await response.text();
      expect(html).toContain('<script type="module" src="/console/assets/main.js"></script>');
      expect(html).not.toMatch(/https?:\/\//);
      expect(html.match(/<script/g)).toHaveLength(1);
    }
  });

  it("a person id in the URL is escaped into the page, never run", async () => {
    const html = await (await get(`/console/people/${encodeURIComponent('"><script>x')}`)).text();
    expect(html).toContain('data-id="&quot;&gt;&lt;script&gt;x"');
  });

  it("serves its scripts and styles, and nothing else of the package", async () => {
    const script = await get("/console/assets/pages/person.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await get("/console/assets/console.css")).headers.get("content-type")).toMatch(
      /^text\/css/,
    );
    for (const path of [
      "/console/assets/register.ts",
      "/console/assets/..%2fregister.ts",
      "/console/assets/../register.ts",
      "/console/assets/nope.js",
    ]) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });

  it("/docs loads Swagger UI from the hub itself", async () => {
    const html = await (await get("/docs")).text();
    expect(html).toContain('href="/docs/assets/swagger-ui-dist/swagger-ui.css"');
    expect(html).toContain('src="/docs/assets/swagger-ui-dist/swagger-ui-bundle.js"');
    expect(html).not.toContain("cdn.");
    expect(html).toContain("validatorUrl: 'none'");
    const bundle = await get("/docs/assets/swagger-ui-dist/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await get("/docs/assets/swagger-ui-dist/package.json")).status).toBe(404);
  });
});

describe("the JSON endpoints the console added", () => {
  it("refuse without the admin token", async () => {
    for (const path of ["/v1/search?q=a", "/v1/sync-health", "/v1/sync-health/export", "/v1/hub"]) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it("search needs a query and names the field", async () => {
    const response = await t.api("/v1/search");
    expect(response.status).toBe(400);
    expect(response.body.field).toBe("q");
  });

  it("search by an unknown email, id or name finds nobody", async () => {
    for (const q of ["nobody@example.com", "003000000000000", "Nobody Atall"]) {
      const response = await t.api(`/v1/search?q=${encodeURIComponent(q)}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ results: [], complete: true });
    }
  });

  it("sync health with no failures is empty; replaying an unknown group is a 404 naming the code", async () => {
    expect((await t.api("/v1/sync-health")).body).toEqual({
      open: 0,
      truncated: false,
      groups: [],
    });
    const replay = await t.api("/v1/sync-health/replay", {
      json: { system: "hubspot", code: "NOPE" },
    });
    expect(replay.status).toBe(404);
    expect(replay.body.field).toBe("code");
    const bad = await t.api("/v1/sync-health/replay", { json: { system: "hubspot" } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("code");
  });

  it("the export is CSV with a header even when empty", async () => {
    const response = await fetch(`${t.hub.url}/v1/sync-health/export`, {
      headers: { authorization: `Bearer ${t.config.adminToken}` },
    });
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await response.text()).toBe(
      "id,system,object,externalId,contactId,operation,code,message,attempts,retry,createdAt,updatedAt\r\n",
    );
  });

  it("CSV cells are quoted, and a cell a spreadsheet would run as a formula is defused", () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(null)).toBe("");
    expect(csvCell(3)).toBe("3");
  });

  it("cancelling an unknown job is a 404; hub info lists the systems and CSV mappings", async () => {
    expect((await t.api("/v1/jobs/nope/cancel", { json: {} })).status).toBe(404);
    const info = (await t.api("/v1/hub")).body;
    expect(info.systems).toEqual(["hubspot", "salesforce"]);
    expect(info.csvMappings).toContain("febrl");
    expect(info.recordLinks.hubspot).toMatch(/\/_sandbox\/contacts\/\{id\}$/);
  });

  it("the OpenAPI document describes them", async () => {
    const doc = (await t.api("/openapi.json")).body;
    for (const path of [
      "/v1/search",
      "/v1/sync-health",
      "/v1/sync-health/replay",
      "/v1/sync-health/export",
      "/v1/jobs/{id}/cancel",
      "/v1/hub",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
