import type { FittedModel, MatchingConfig, MatchRecord } from "../core/matching/index.ts";
import type { FitElsewhere } from "../sync/dedupe.ts";
import { startThread } from "./threads.ts";

export interface FitRequest {
  id: number;
  records: readonly MatchRecord[];
  config: MatchingConfig;
}

export type FitReply = { id: number; fitted: FittedModel } | { id: number; error: string };

/**
 * A thread for the matcher's fits, started on the first fit. The engine's thread goes on
 * with batches meanwhile; on 2 cores the fit takes the core the HTTP thread leaves idle.
 */
export function fitThread(): { fit: FitElsewhere; close(): Promise<void> } {
  let worker: ReturnType<typeof startThread> | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve(f: FittedModel): void; reject(e: Error): void }>();
  const failAll = (error: Error) => {
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
    worker = null;
  };
  const started = () => {
    if (worker) return worker;
    const thread = startThread(new URL("./fit-thread.ts", import.meta.url), {});
    thread.unref();
    thread.on("message", (reply: FitReply) => {
      const call = waiting.get(reply.id);
      waiting.delete(reply.id);
      if ("error" in reply) call?.reject(new Error(`matcher fit failed: ${reply.error}`));
      else call?.resolve(reply.fitted);
    });
    thread.on("error", failAll);
    thread.on("exit", () => failAll(new Error("the fit thread has ended")));
    worker = thread;
    return thread;
  };
  return {
    fit: (records, config) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        started().postMessage({ id, records, config } satisfies FitRequest);
      }),
    async close() {
      await worker?.terminate();
    },
  };
}
