// A thread starts without the parent's TypeScript loader: register it, then load the entry the parent named.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
