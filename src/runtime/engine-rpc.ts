import type { LogFields } from "../logger.ts";
import type { MetricsSnapshot } from "../metrics/registry.ts";
import type { EngineApi } from "../sync/engine.ts";
import type { SystemSettings } from "./assemble.ts";
import type { HubConfig } from "./config.ts";

/** What the engine's thread is started with: plain data, as `workerData` is cloned. */
export interface EngineThreadData {
  config: HubConfig;
  settings: SystemSettings;
}

/** Engine calls that cross to the engine's thread, by name. */
export const ENGINE_CALLS = [
  "erase",
  "merge",
  "unmerge",
  "mergeDuplicate",
  "dismissDuplicate",
  "continueErasures",
  "resync",
  "refitMatcher",
  "idle",
  "stop",
  "jobs.submit",
  "jobs.cancel",
  "jobs.idle",
] as const;
export type EngineCall = (typeof ENGINE_CALLS)[number];

type Method<K extends string> = K extends `jobs.${infer J extends keyof EngineApi["jobs"]}`
  ? EngineApi["jobs"][J]
  : K extends keyof EngineApi
    ? EngineApi[K]
    : never;
export type CallArgs<K extends EngineCall> = Parameters<Method<K>>;
export type CallResult<K extends EngineCall> = Awaited<ReturnType<Method<K>>>;

export type ToEngine =
  | { kind: "call"; id: number; method: EngineCall; args: unknown[] }
  /** Notices were stored in the inbox: drain it. */
  | { kind: "kick" };

export type FromEngine =
  | { kind: "ready" }
  | { kind: "fatal"; error: { name: string; message: string } }
  | { kind: "result"; id: number; value: unknown }
  | { kind: "failure"; id: number; error: { name: string; message: string } }
  | { kind: "log"; level: "info" | "warn" | "error"; msg: string; fields: LogFields }
  | { kind: "metrics"; snapshot: MetricsSnapshot };

/** An error as it crosses between threads (a structured clone keeps no class). */
export const errorData = (error: unknown) =>
  error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };

/** The error a thread sent, as an Error again with its name. */
export const errorFrom = (data: { name: string; message: string }): Error =>
  Object.assign(new Error(data.message), data);
