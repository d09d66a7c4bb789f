import { parentPort } from "node:worker_threads";
import { fitModelOf } from "../core/matching/index.ts";
import type { FitReply, FitRequest } from "./fit-rpc.ts";

/** The matcher's fits (Node): seconds of CPU each, kept off the engine's thread. */
const port = parentPort!;
port.on("message", ({ id, records, config }: FitRequest) => {
  let reply: FitReply;
  try {
    reply = { id, fitted: fitModelOf(records, config) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
