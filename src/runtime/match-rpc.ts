import type { FittedModel, MatchingConfig, MatchRecord } from "../core/matching/index.ts";
import type { FitElsewhere } from "../sync/dedupe.ts";
import { startThread } from "./threads.ts";

export interface FitRequest {
  records: readonly MatchRecord[];
  config: MatchingConfig;
}

export type FitReply = { fitted: FittedModel } | { error: string };

/**
 * Each refit in a thread of its own, ended when it answers: the engine's thread goes on
 * with batches meanwhile (on 2 cores the fit takes the core the HTTP thread leaves idle),
 * and the memory a fit of 20,000 people needs is given back as soon as it is done.
 */
export function fitThreads(): { fit: FitElsewhere; close(): Promise<void> } {
  const running = new Set<ReturnType<typeof startThread>>();
  return {
    fit: (records, config) =>
      new Promise<FittedModel>((resolve, reject) => {
        const thread = startThread(new URL("./fit-thread.ts", import.meta.url), {});
        running.add(thread);
        let answered = false;
        thread.once("message", (reply: FitReply) => {
          answered = true;
          if ("error" in reply) reject(new Error(`matcher fit failed: ${reply.error}`));
          else resolve(reply.fitted);
          void thread.terminate();
        });
        thread.once("error", reject);
        thread.once("exit", () => {
          running.delete(thread);
          if (!answered) reject(new Error("the fit thread ended without a model"));
        });
        thread.postMessage({ records, config } satisfies FitRequest);
      }),
    async close() {
      await Promise.all([...running].map((thread) => thread.terminate()));
    },
  };
}
