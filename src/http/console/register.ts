import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { problemResponse } from "../problem.ts";
import { readPackageFile, servePackageFile } from "./package-files.ts";
import { type ConsolePage, consoleShell } from "./shell.ts";

/** A shipped asset's file URL; none on Workers, where the bundle has no file address (and no files). */
function assetUrl(name: string): URL | undefined {
  try {
    return new URL(name, new URL("./assets/", import.meta.url));
  } catch {
    return undefined;
  }
}
const ASSET_NAME = /^(pages\/)?[a-z][a-z0-9-]*\.(js|css|svg)$/;

/** Only this origin, no inline script: the console runs offline and a record's text cannot run as code. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGES: { path: string; page: ConsolePage }[] = [
  { path: "/console", page: "jobs" },
  { path: "/console/health", page: "health" },
  { path: "/console/duplicates", page: "duplicates" },
  { path: "/console/search", page: "search" },
];

/** The ops console: HTML shells, and the client script and styles it is drawn with. */
export function registerConsole(app: OpenAPIHono) {
  const headers = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
  let shipped: Promise<boolean> | undefined;
  const page = async (c: Context, name: ConsolePage, params?: Record<string, string>) => {
    const main = assetUrl("main.js");
    shipped ??= main
      ? readPackageFile(main).then((bytes) => bytes !== undefined)
      : Promise.resolve(false);
    if (!(await shipped))
      return problemResponse(c, {
        type: "about:blank",
        title: "Not Implemented",
        status: 501,
        detail:
          "the console's files are read from disk, which this runtime has not: open it on a Node hub",
      });
    return c.html(consoleShell(name, params), 200, headers);
  };
  for (const { path, page: name } of PAGES) app.get(path, (c) => page(c, name));
  app.get("/console/", (c) => c.redirect("/console", 301));
  app.get("/console/people/:id", (c) => page(c, "person", { id: c.req.param("id") }));
  app.get("/console/assets/*", async (c) => {
    const name = c.req.path.slice("/console/assets/".length);
    const url = ASSET_NAME.test(name) ? assetUrl(name) : undefined;
    return servePackageFile(c, name, url, { "cache-control": "no-cache" });
  });
}
