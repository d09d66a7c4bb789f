/**
 * Reading the simulators' request logs for the benches: which calls were writes (and so how
 * many records each write carried), which calls each rate limit counts, and the least time
 * a rolling-window limit lets a given number of calls take.
 */
import type { ConnectedSystem } from "../connectors/contract.ts";
import type { SandboxRequestLogEntry } from "../src/sandbox/contract.ts";

/**
 * Calls that write contact records: HubSpot batch create/update/upsert (100 a call),
 * Salesforce sObject Collections create/update/upsert (200 a call; `POST
 * /composite/sobjects/{Type}` with ids is a retrieve, not a write), Marketo Sync Leads
 * (`POST /rest/v1/leads.json`, 300 a call; with `_method=GET` it is a long read).
 */
export function isRecordWrite(system: ConnectedSystem, entry: SandboxRequestLogEntry): boolean {
  const path = entry.path.split("?")[0]!;
  if (system === "hubspot")
    return (
      entry.method === "POST" && /\/objects\/contacts\/batch\/(create|update|upsert)$/.test(path)
    );
  if (system === "salesforce")
    return (
      (/\/composite\/sobjects$/.test(path) &&
        (entry.method === "POST" || entry.method === "PATCH")) ||
      (/\/composite\/sobjects\/[^/]+\/[^/]+$/.test(path) && entry.method === "PATCH")
    );
  if (system === "marketo")
    return (
      entry.method === "POST" &&
      path === "/rest/v1/leads.json" &&
      !entry.path.includes("_method=GET")
    );
  return false;
}

/** One line per kind of call: method and path with ids and the query left out. */
export function callKinds(entries: SandboxRequestLogEntry[]): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const entry of entries) {
    const path = entry.path
      .split("?")[0]!
      .replace(/\/services\/data\/v[\d.]+/, "")
      .replace(/\/query\/[^/]+$/, "/query/{locator}")
      .replace(/\/\d+(?=\/|$)/g, "/{id}");
    const kind = `${entry.method} ${path}${entry.path.includes("_method=GET") ? " (_method=GET)" : ""}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return new Map([...kinds].sort((a, b) => b[1] - a[1]));
}

/** HTTP statuses (and Marketo's HTTP-200 error codes) other than success, with counts. */
export function refusals(entries: (SandboxRequestLogEntry & { code?: string })[]): string {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const key = entry.code
      ? `Marketo ${entry.code}`
      : entry.status >= 400
        ? `HTTP ${entry.status}`
        : "";
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return seen.size === 0 ? "none" : [...seen].map(([key, n]) => `${n}× ${key}`).join(", ");
}

/** A rolling window: at most `requests` calls started in any `perMs`. */
export interface RollingLimit {
  system: ConnectedSystem;
  /** e.g. "search (API)" or "all calls (connector throttle)". */
  name: string;
  requests: number;
  perMs: number;
  /** Which of the system's logged calls this limit counts. */
  counts: (entry: SandboxRequestLogEntry) => boolean;
}

/**
 * The least time `calls` calls can take under a rolling window of `requests` per `perMs`:
 * the k-th call (from 0) cannot start before floor(k / requests) windows have passed, so
 * the last starts at floor((calls - 1) / requests) × perMs at the earliest (the time the
 * last call itself takes is not counted, in the limit's favour). 0 when every call fits
 * in the first window's burst: then that limit does not bind at all.
 */
export function leastTimeMs(
  calls: number,
  limit: Pick<RollingLimit, "requests" | "perMs">,
): number {
  return calls <= 0 ? 0 : Math.floor((calls - 1) / limit.requests) * limit.perMs;
}
