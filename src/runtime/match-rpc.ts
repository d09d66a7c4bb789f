import type { FittedModel, MatchingConfig, MatchRecord, Pair } from "../core/matching/index.ts";
import type { FitElsewhere } from "../sync/dedupe.ts";
import type { PairsElsewhere } from "../sync/merge.ts";
import { startThread } from "./threads.ts";

export interface MatchTask {
  /** `fit`: the model only (a refit); `pairs`: the scored candidate pairs above distinct (a scan). */
  kind: "fit" | "pairs";
  records: readonly MatchRecord[];
  config: MatchingConfig;
}

export type MatchReply = { fitted: FittedModel } | { pairs: Pair[] } | { error: string };

/**
 * Matching work in a thread of its own per task, ended when it answers: the engine's thread
 * goes on with batches meanwhile (on 2 cores the work takes the core the HTTP thread leaves
 * idle), and the memory a fit of 20,000 people needs is given back as soon as it is done.
 */
export function matchThreads(): {
  fit: FitElsewhere;
  pairs: PairsElsewhere;
  close(): Promise<void>;
} {
  const running = new Set<ReturnType<typeof startThread>>();
  const run = (task: MatchTask) =>
    new Promise<MatchReply>((resolve, reject) => {
      const thread = startThread(new URL("./match-thread.ts", import.meta.url), {});
      running.add(thread);
      let answered = false;
      thread.once("message", (reply: MatchReply) => {
        answered = true;
        resolve(reply);
        void thread.terminate();
      });
      thread.once("error", reject);
      thread.once("exit", () => {
        running.delete(thread);
        if (!answered) reject(new Error("the matching thread ended without an answer"));
      });
      thread.postMessage(task);
    });
  const answer = async (task: MatchTask) => {
    const reply = await run(task);
    if ("error" in reply) throw new Error(`matching in its thread failed: ${reply.error}`);
    return reply;
  };
  return {
    fit: async (records, config) =>
      ((await answer({ kind: "fit", records, config })) as { fitted: FittedModel }).fitted,
    pairs: async (records, config) =>
      ((await answer({ kind: "pairs", records, config })) as { pairs: Pair[] }).pairs,
    async close() {
      await Promise.all([...running].map((thread) => thread.terminate()));
    },
  };
}
