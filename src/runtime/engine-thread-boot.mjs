// The engine's thread starts without the parent's TypeScript loader: register it, then load the entry.
import { register } from "tsx/esm/api";

register();
await import("./engine-thread.ts");
