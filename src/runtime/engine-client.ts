import type { ChangeNotice } from "../../connectors/contract.ts";
import { describeError, type Logger } from "../logger.ts";
import type { Metrics } from "../metrics/registry.ts";
import type { Store } from "../store/index.ts";
import type { EngineApi } from "../sync/engine.ts";
import {
  type CallArgs,
  type CallResult,
  type EngineCall,
  type EngineThreadData,
  errorFrom,
  type FromEngine,
  type ToEngine,
} from "./engine-rpc.ts";

import { startThread } from "./threads.ts";

/** A call sent to the engine's thread, waiting for its answer. */
interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface EngineClient extends EngineApi {
  /** Stops the engine after the page in flight and ends its thread. */
  close(): Promise<void>;
}

/**
 * Starts the engine in its own thread and answers for it here. Accepting notices is the
 * one thing done on this side: they are stored in the inbox (durable before the webhook
 * is acknowledged) and the engine is told to drain, so an acknowledgement never waits
 * for the engine. Every other call is a message to the engine's thread.
 */
export async function startEngineThread(
  data: EngineThreadData,
  deps: { store: Store; logger: Logger; metrics: Metrics },
): Promise<EngineClient> {
  const worker = startThread(new URL("./engine-thread.ts", import.meta.url), data);
  const waiting = new Map<number, Waiter>();
  let nextId = 0;
  let closed = false;
  const settle = (id: number, outcome: (call: Waiter) => void) => {
    const call = waiting.get(id);
    waiting.delete(id);
    if (call) outcome(call);
  };
  const failAll = (error: Error) => {
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (message: FromEngine) => {
      switch (message.kind) {
        case "ready":
          return resolve();
        case "fatal":
          return reject(errorFrom(message.error));
        case "log":
          return deps.logger[message.level](message.msg, message.fields);
        case "metrics":
          return deps.metrics.absorb("engine", message.snapshot);
        case "result":
          return settle(message.id, (call) => call.resolve(message.value));
        case "failure":
          return settle(message.id, (call) => call.reject(errorFrom(message.error)));
      }
    });
    worker.on("error", (error) => {
      deps.logger.error("engine thread failed", { error: describeError(error) });
      reject(error);
      failAll(error);
    });
    worker.on("exit", (code) => {
      if (!closed) deps.logger.error("engine thread exited", { code });
      const gone = new Error("the engine's thread has ended");
      reject(gone);
      failAll(gone);
    });
  });

  const send = (message: ToEngine) => worker.postMessage(message);
  function call<K extends EngineCall>(method: K, ...args: CallArgs<K>): Promise<CallResult<K>> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      send({ kind: "call", id, method, args });
    });
  }

  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  return {
    async accept(notices: ChangeNotice[]) {
      const inserted = await deps.store.inbox.enqueue(notices, Date.now());
      if (inserted > 0) send({ kind: "kick" });
      return inserted;
    },
    async kick() {
      send({ kind: "kick" });
    },
    erase: (...args) => call("erase", ...args),
    merge: (...args) => call("merge", ...args),
    unmerge: (...args) => call("unmerge", ...args),
    mergeDuplicate: (...args) => call("mergeDuplicate", ...args),
    dismissDuplicate: (...args) => call("dismissDuplicate", ...args),
    continueErasures: () => call("continueErasures"),
    resync: (...args) => call("resync", ...args),
    refitMatcher: () => call("refitMatcher"),
    idle: () => call("idle"),
    stop: () => call("stop"),
    jobs: {
      submit: (...args) => call("jobs.submit", ...args),
      cancel: (...args) => call("jobs.cancel", ...args),
      idle: () => call("jobs.idle"),
    },
    async close() {
      if (closed) return;
      await call("stop");
      closed = true;
      await worker.terminate();
    },
  };
}
