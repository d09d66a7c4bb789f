import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { packageFolder, readPackageFile, servePackageFile } from "./package-files.ts";

const ASSET_BASE = "/docs/assets";
/** The files of swagger-ui-dist that the docs page loads; nothing else is served from it. */
const SWAGGER_FILES = new Set(["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]);

// No validator badge: it would send the document's address to validator.swagger.io.
const local = swaggerUI({ url: "/openapi.json", baseUrl: ASSET_BASE, validatorUrl: "none" });
// Only where the runtime has no file system (Workers), which runs in the cloud anyway.
const remote = swaggerUI({ url: "/openapi.json" });

/** /docs: Swagger UI with its assets served from the installed swagger-ui-dist, not a CDN. */
export function registerDocs(app: OpenAPIHono) {
  let installed: Promise<boolean> | undefined;
  app.get("/docs", async (c, next) => {
    installed ??= packageFolder("swagger-ui-dist").then(async (folder) =>
      folder
        ? (await readPackageFile(new URL("swagger-ui-bundle.js", folder))) !== undefined
        : false,
    );
    return (await installed) ? local(c, next) : remote(c, next);
  });
  app.get(`${ASSET_BASE}/swagger-ui-dist/:file`, async (c) => {
    const file = c.req.param("file");
    const folder = SWAGGER_FILES.has(file) ? await packageFolder("swagger-ui-dist") : undefined;
    return servePackageFile(c, file, folder && new URL(file, folder), {
      "cache-control": "public, max-age=86400",
    });
  });
}
