import { renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mappingsModule } from "../src/runtime/workers/bundle-mappings.ts";

/** Bundles the mappings folder (TSUNAGU_MAPPINGS, else the shipped one) into the Worker's source. */
const dir = process.env.TSUNAGU_MAPPINGS ?? fileURLToPath(new URL("../mappings", import.meta.url));
const target = fileURLToPath(
  new URL("../src/runtime/workers/mappings.generated.ts", import.meta.url),
);
// Two builds at once (parallel test files) must never bundle a half-written module.
const partial = `${target}.${process.pid}.tmp`;
writeFileSync(partial, mappingsModule(dir));
renameSync(partial, target);
