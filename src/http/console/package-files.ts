import type { Context } from "hono";
import { problemResponse } from "../problem.ts";

/**
 * Reads files that ship in the package. node:fs is imported on first use, so the app still
 * bundles for Workers, where there is no file system and these answer undefined.
 */
export async function readPackageFile(url: URL): Promise<Uint8Array | undefined> {
  try {
    const { readFile } = await import("node:fs/promises");
    return await readFile(url);
  } catch {
    return undefined;
  }
}

/** The folder of an installed package, as a file URL ending in "/". */
export async function packageFolder(name: string): Promise<URL | undefined> {
  try {
    const { createRequire } = await import("node:module");
    const { pathToFileURL } = await import("node:url");
    const manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return new URL(".", pathToFileURL(manifest));
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
};

export const contentTypeOf = (name: string) =>
  TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";

/** Answers with a shipped file (`url` undefined when the name is not one to serve), else a 404 problem. */
export async function servePackageFile(
  c: Context,
  name: string,
  url: URL | undefined,
  headers: Record<string, string>,
) {
  const bytes = url ? await readPackageFile(url) : undefined;
  if (!bytes)
    return problemResponse(c, {
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: `no such file: ${name}`,
    });
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    "content-type": contentTypeOf(name),
    "x-content-type-options": "nosniff",
    ...headers,
  });
}
