import { Worker } from "node:worker_threads";

const BOOT = new URL("./thread-boot.mjs", import.meta.url);

/** A worker thread running the TypeScript module `entry`, given `data` as its workerData. */
export const startThread = (entry: URL, data: object) =>
  new Worker(BOOT, { workerData: { ...data, entry: entry.href } });
