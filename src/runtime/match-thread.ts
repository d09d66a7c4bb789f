import { parentPort } from "node:worker_threads";
import { fitModelOf, matchRecords } from "../core/matching/index.ts";
import type { MatchReply, MatchTask } from "./match-rpc.ts";

/** One matching task (Node): seconds of CPU and tens of MiB, kept off the engine's thread. */
const port = parentPort!;
port.once("message", ({ kind, records, config }: MatchTask) => {
  let reply: MatchReply;
  try {
    reply =
      kind === "fit"
        ? { fitted: fitModelOf(records, config) }
        : { pairs: matchRecords(records, config, { includeDistinct: false }).pairs };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
