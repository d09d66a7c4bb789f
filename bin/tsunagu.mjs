#!/usr/bin/env node
// `npx tsunagu import FILE --mapping NAME`. tsx is registered from this package (not the
// current folder), so the command works from anywhere.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
