import { parentPort } from "node:worker_threads";
import { fitModelOf } from "../core/matching/index.ts";
import type { FitReply, FitRequest } from "./fit-rpc.ts";

/** One matcher fit (Node): seconds of CPU and tens of MiB, kept off the engine's thread. */
const port = parentPort!;
port.once("message", ({ records, config }: FitRequest) => {
  let reply: FitReply;
  try {
    reply = { fitted: fitModelOf(records, config) };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
