import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signHubspotV3 } from "../../connectors/hubspot/webhooks.ts";
import { createLogger } from "../../src/logger.ts";
import { loadConfig } from "../../src/runtime/config.ts";
import { type HubOptions, startHub } from "../../src/runtime/hub.ts";
import { MAPPINGS_DIR } from "./mappings.ts";

export interface TestHubOptions {
  /** Fake people seeded into the simulators (default none). */
  people?: number;
  env?: Record<string, string>;
  sandbox?: HubOptions["sandbox"];
  /** Simulators that outlive the hub (restart tests); the caller closes them. */
  sandboxes?: HubOptions["sandboxes"];
  /** Reuse a store file (restart tests). */
  dbPath?: string;
}

/** A real hub on a loopback port with a temp SQLite file and (unless env says otherwise) both simulators. */
export async function startTestHub(options: TestHubOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tsunagu-test-"));
  const config = loadConfig({
    PORT: "0",
    TSUNAGU_DB: options.dbPath ?? join(dir, "hub.db"),
    TSUNAGU_MAPPINGS: MAPPINGS_DIR,
    TSUNAGU_SANDBOX_PEOPLE: String(options.people ?? 0),
    TSUNAGU_SANDBOX_HUBSPOT_PORT: "0",
    TSUNAGU_SANDBOX_SALESFORCE_PORT: "0",
    TSUNAGU_SANDBOX_MARKETO_PORT: "0",
    // Most tests are about two systems; the three-way tests name all three.
    TSUNAGU_SYSTEMS: "hubspot,salesforce",
    ...options.env,
  });
  const logs: string[] = [];
  const hub = await startHub(config, {
    logger: createLogger({ write: (line) => logs.push(line) }),
    schedule: false,
    sandbox: {
      hubspot: { webhookRetryBaseMs: 50, ...options.sandbox?.hubspot },
      salesforce: { outboundRetryBaseMs: 50, ...options.sandbox?.salesforce },
      ...(options.sandbox?.marketo ? { marketo: options.sandbox.marketo } : {}),
    },
    ...(options.sandboxes ? { sandboxes: options.sandboxes } : {}),
  });
  const api = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    const response = await fetch(`${hub.url}${path}`, {
      ...rest,
      headers: {
        authorization: `Bearer ${config.adminToken}`,
        "content-type": "application/json",
        ...rest.headers,
      },
      ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? "POST" } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    };
  };
  return {
    hub,
    config,
    api,
    dir,
    /** Every line the hub logged, for asserting what never appears there. */
    logs,
    async close() {
      await hub.close();
      if (!options.dbPath) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestHub = Awaited<ReturnType<typeof startTestHub>>;

/** Polls until `probe` returns a value (not undefined/false) or the time runs out. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the simulators have nothing to deliver and the hub has nothing to process. */
export async function settle(t: TestHub) {
  for (let i = 0; i < 5; i++) {
    await Promise.all([
      t.hub.sandboxes.hubspot?.webhooksIdle(),
      t.hub.sandboxes.salesforce?.webhooksIdle(),
      t.hub.sandboxes.marketo?.webhooksIdle(),
    ]);
    await t.hub.engine.idle();
    const inbox = await t.hub.store.inbox.countByStatus();
    if (!inbox.pending) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const again = await t.hub.store.inbox.countByStatus();
      if (!again.pending && (again.done ?? 0) === (inbox.done ?? 0)) return;
    }
  }
}

const WRITE = /^(POST|PATCH|PUT|DELETE)$/;
/** API writes a simulator has served (searches and reads are often POSTs too, so they are excluded). */
export function writeCount(requests: { method: string; path: string }[]): number {
  return requests.filter(
    (r) => WRITE.test(r.method) && !/\/(search|read)$|\/query/.test(r.path.split("?")[0]!),
  ).length;
}

/** Environment that makes the hub talk to running simulators as to real systems (credentials, no built-in sandbox). */
export function realSystemsEnv(
  hs: { accessToken: string; clientSecret: string; baseUrl: string },
  sf: { accessToken: string; baseUrl: string; organizationId: string },
): Record<string, string> {
  return {
    TSUNAGU_ADMIN_TOKEN: "test-admin-token",
    HUBSPOT_ACCESS_TOKEN: hs.accessToken,
    HUBSPOT_CLIENT_SECRET: hs.clientSecret,
    HUBSPOT_BASE_URL: hs.baseUrl,
    SALESFORCE_INSTANCE_URL: sf.baseUrl,
    SALESFORCE_ACCESS_TOKEN: sf.accessToken,
    SALESFORCE_ORG_ID: sf.organizationId,
  };
}

/** A person created in the HubSpot simulator, once the hub has linked them in both systems and settled. */
export async function personInBoth(
  t: TestHub,
  email: string,
  properties: Record<string, string> = {},
) {
  const created = t.hub.sandboxes.hubspot!.createContact({
    email,
    lastname: "Person",
    ...properties,
  });
  const contact = await waitFor(async () => {
    const c = (await t.api(`/v1/contacts?email=${encodeURIComponent(email)}`)).body.results[0];
    return c?.sources.length === 2 && c;
  });
  await settle(t);
  const source = (system: string) =>
    contact.sources.find((s: { system: string }) => s.system === system).externalId as string;
  return {
    id: contact.id as string,
    hsId: String(created.id),
    sfId: source("salesforce"),
    contact,
  };
}

/**
 * A lead keyed into Salesforce, once the hub has copied it to HubSpot. A second lead of the
 * same person is then two records Salesforce holds of its own: a pair for review, never
 * merged unasked (a copy the hub made would not count, see README).
 */
export async function leadInBoth(t: TestHub, fields: Record<string, string> & { Email: string }) {
  t.hub.sandboxes.salesforce!.createRecord("Lead", fields);
  const contact = await waitFor(async () => {
    const c = (await t.api(`/v1/contacts?email=${encodeURIComponent(fields.Email)}`)).body
      .results[0];
    return c?.sources.length === 2 && c;
  });
  await settle(t);
  return contact as { id: string; sources: { system: string; externalId: string }[] };
}

/**
 * Records in each simulator with this last name, read through their public APIs (Marketo
 * from its store, when it runs). HubSpot's search allows 5 calls a second, shared with the
 * hub: a 429 is waited out.
 */
export async function recordsNamed(t: TestHub, lastName: string) {
  const { hubspot: hs, salesforce: sf, marketo: mk } = t.hub.sandboxes;
  const search = await waitFor(async () => {
    const response = await fetch(`${hs!.baseUrl}/crm/v3/objects/contacts/search`, {
      method: "POST",
      headers: { authorization: `Bearer ${hs!.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        filterGroups: [
          { filters: [{ propertyName: "lastname", operator: "EQ", value: lastName }] },
        ],
      }),
    });
    return response.ok && response;
  });
  const soql = encodeURIComponent(`SELECT Id FROM Lead WHERE LastName = '${lastName}'`);
  const query = await fetch(`${sf!.baseUrl}/services/data/v62.0/query?q=${soql}`, {
    headers: { authorization: `Bearer ${sf!.accessToken}` },
  });
  return {
    hubspot: ((await search.json()) as { total: number }).total,
    salesforce: ((await query.json()) as { totalSize: number }).totalSize,
    ...(mk ? { marketo: mk.listLeads().filter((l) => l.lastName === lastName).length } : {}),
  };
}

export interface PendingPair {
  id: string;
  probability: number;
  evidence: { field: string; weight: number }[];
  a: { id: string; sources: { system: string; object: string; externalId: string }[] } | null;
  b: { id: string; sources: { system: string; object: string; externalId: string }[] } | null;
}

/** The pair waiting for review between these people (with one id: any pair of theirs), once there is one. */
export async function pendingPairOf(t: TestHub, ids: string[], timeoutMs = 10_000) {
  return waitFor(async () => {
    const list = (await t.api("/v1/duplicates?status=pending")).body.results as PendingPair[];
    return list.find((p) => p.a && p.b && ids.every((id) => id === p.a!.id || id === p.b!.id)) as
      | (PendingPair & { a: NonNullable<PendingPair["a"]>; b: NonNullable<PendingPair["b"]> })
      | undefined;
  }, timeoutMs);
}

/** A contact's source records as sorted `system/object` strings. */
export const systemsOf = (contact: { sources: { system: string; object: string }[] }) =>
  contact.sources.map((s) => `${s.system}/${s.object}`).sort();

/**
 * POSTs `body` to the hub's HubSpot webhook with a v3 signature, as HubSpot sends it;
 * `secret`, `timestamp` and the signed `url` can be set wrong on purpose.
 */
export async function postHubspot(
  t: TestHub,
  body: string,
  options: { timestamp?: number; secret?: string; url?: string } = {},
): Promise<Response> {
  const url = options.url ?? `${t.hub.url}/webhooks/hubspot`;
  const timestamp = options.timestamp ?? Date.now();
  const signature = await signHubspotV3({
    method: "POST",
    url,
    rawBody: body,
    clientSecret: options.secret ?? t.hub.sandboxes.hubspot!.clientSecret,
    timestamp,
  });
  return fetch(`${t.hub.url}/webhooks/hubspot`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": signature,
      "x-hubspot-request-timestamp": String(timestamp),
    },
    body,
  });
}
