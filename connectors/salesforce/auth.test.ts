import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WriteOp } from "../contract.ts";
import {
  createSalesforceConnector,
  SalesforceApiError,
  SalesforceAuthError,
  type SalesforceConnectorOptions,
} from "./index.ts";
import {
  DEFAULT_SANDBOX_CLIENT_SECRET,
  type RunningSalesforceSandbox,
  startSalesforceSandbox,
} from "./sandbox/index.ts";
import { testConnection } from "./test-org.ts";

const TOKEN_PATH = "/services/oauth2/token";
const OPTIONS: SalesforceConnectorOptions = {
  connect: testConnection,
  objects: ["Lead", "Contact"],
  fields: { Lead: ["FirstName", "LastName", "Email", "Company"], Contact: ["Email"] },
  retry: { attempts: 3, baseMs: 5, maxMs: 20 },
};

let sandbox: RunningSalesforceSandbox;
let leadId: string;

beforeEach(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, webhookUrl: null });
  leadId = String(
    sandbox.createRecord("Lead", { LastName: "Tanaka", Company: "Acme", Email: "t@example.com" })
      .Id,
  );
});
afterEach(() => sandbox.close());

const withClientCredentials = (overrides: { clientSecret?: string; loginUrl?: string } = {}) =>
  createSalesforceConnector({
    ...OPTIONS,
    auth: {
      kind: "client_credentials",
      loginUrl: overrides.loginUrl ?? sandbox.baseUrl,
      clientId: sandbox.clientId,
      clientSecret: overrides.clientSecret ?? sandbox.clientSecret,
    },
  });

/** The request log as "METHOD path status", paths without query strings. */
const log = () =>
  sandbox
    .requests()
    .map(
      (r) =>
        `${r.method} ${r.path.split("?")[0]!.replace(/^\/services\/data\/v[^/]+/, "")} ${r.status}`,
    );
const tokenRequests = () => sandbox.requests().filter((r) => r.path === TOKEN_PATH);

describe("client-credentials auth", () => {
  it("fetches a token lazily on the first call and uses it", async () => {
    const connector = withClientCredentials();
    expect(sandbox.requests()).toHaveLength(0);
    const records = await connector.fetchByIds("Lead", [leadId]);
    expect(records.map((r) => r.fields.LastName)).toEqual(["Tanaka"]);
    expect(log()).toEqual([`POST ${TOKEN_PATH} 200`, "POST /composite/sobjects/Lead 200"]);
    // An issued token, not the sandbox's static one; the instance URL came from the answer.
    expect(connector.client.conn.accessToken).not.toBe(sandbox.accessToken);
    expect(connector.client.conn.instanceUrl).toBe(sandbox.baseUrl);

    await connector.fetchByIds("Lead", [leadId]);
    expect(tokenRequests()).toHaveLength(1);
  });

  it("makes exactly one token request for concurrent first calls", async () => {
    const connector = withClientCredentials();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => connector.fetchByIds("Lead", [leadId])),
    );
    expect(results.every((r) => r.length === 1)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(log().filter((l) => l.includes("/composite/"))).toHaveLength(8);
    expect(log()[0]).toBe(`POST ${TOKEN_PATH} 200`);
  });

  it("renews an expired token once and repeats the call", async () => {
    const connector = withClientCredentials();
    await connector.fetchByIds("Lead", [leadId]);
    sandbox.expireSessions();
    sandbox.clearRequests();

    const records = await connector.fetchByIds("Lead", [leadId]);
    expect(records).toHaveLength(1);
    expect(log()).toEqual([
      "POST /composite/sobjects/Lead 401",
      `POST ${TOKEN_PATH} 200`,
      "POST /composite/sobjects/Lead 200",
    ]);
  });

  it("shares one renewal between concurrent calls that all hit the expired token", async () => {
    const connector = withClientCredentials();
    await connector.fetchByIds("Lead", [leadId]);
    sandbox.expireSessions();
    sandbox.clearRequests();

    await Promise.all(Array.from({ length: 6 }, () => connector.fetchByIds("Lead", [leadId])));
    expect(tokenRequests()).toHaveLength(1);
    const api = sandbox.requests().filter((r) => r.path !== TOKEN_PATH);
    expect(api.filter((r) => r.status === 200)).toHaveLength(6);
  });

  it("repeats a create after a renewal (a 401 was refused before anything happened)", async () => {
    const connector = withClientCredentials();
    await connector.fetchByIds("Lead", [leadId]);
    sandbox.expireSessions();
    sandbox.clearRequests();
    const op: WriteOp = {
      ref: "r1",
      object: "Lead",
      fields: { LastName: "Sato", Company: "Acme" },
    };
    const [result] = await connector.write([op]);
    expect(result).toMatchObject({ ref: "r1", ok: true });
    expect(log()).toEqual([
      "POST /composite/sobjects 401",
      `POST ${TOKEN_PATH} 200`,
      "POST /composite/sobjects 200",
    ]);
  });

  it("does not renew more than once when the API keeps answering 401", async () => {
    const connector = withClientCredentials();
    await connector.fetchByIds("Lead", [leadId]);
    sandbox.clearRequests();
    sandbox.injectFault({
      status: 401,
      times: 20,
      pathPrefix: "/composite/",
      errorCode: "INVALID_SESSION_ID",
      message: "Session expired or invalid",
    });

    const error = await connector.fetchByIds("Lead", [leadId]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceApiError);
    expect(error).toMatchObject({ status: 401, errorCode: "INVALID_SESSION_ID" });
    expect(log()).toEqual([
      "POST /composite/sobjects/Lead 401",
      `POST ${TOKEN_PATH} 200`,
      "POST /composite/sobjects/Lead 401",
    ]);
  });

  it("names a wrong client secret without echoing it, and does not retry", async () => {
    const secret = `${DEFAULT_SANDBOX_CLIENT_SECRET}-wrong`;
    const connector = withClientCredentials({ clientSecret: secret });
    const error = await connector.fetchByIds("Lead", [leadId]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceAuthError);
    expect(error).toMatchObject({ status: 400, errorCode: "invalid_client" });
    const message = (error as Error).message;
    expect(message).toContain("invalid_client");
    expect(message).toContain("client secret does not match");
    expect(inspect(error, { depth: 5 })).not.toContain(secret);
    expect(tokenRequests().map((r) => r.status)).toEqual([400]);
    expect(log()).toHaveLength(1);

    // Writes report it per op, retryable false, again without the secret.
    const [result] = await connector.write([
      { ref: "w", object: "Lead", fields: { LastName: "X", Company: "Acme" } },
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_client", retryable: false },
    });
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it("retries a token endpoint outage in the single retry layer", async () => {
    sandbox.injectFault({ status: 503, times: 1, pathPrefix: TOKEN_PATH });
    const connector = withClientCredentials();
    expect(await connector.fetchByIds("Lead", [leadId])).toHaveLength(1);
    expect(log()).toEqual([
      `POST ${TOKEN_PATH} 503`,
      `POST ${TOKEN_PATH} 200`,
      "POST /composite/sobjects/Lead 200",
    ]);
  });

  it("rejects incomplete settings and a cleartext login URL without echoing the secret", () => {
    expect(() => withClientCredentials({ clientSecret: "" })).toThrow(/clientSecret required/);
    expect(() =>
      withClientCredentials({ loginUrl: "http://acme.my.salesforce.com", clientSecret: "s3cr3t" }),
    ).toThrow(/must use https/);
    try {
      withClientCredentials({ loginUrl: "not a url", clientSecret: "s3cr3t" });
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cr3t");
    }
  });
});

describe("static access token", () => {
  it("keeps working, and a 401 after expiry is final (no token endpoint)", async () => {
    const connector = createSalesforceConnector({
      ...OPTIONS,
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
    });
    expect(await connector.fetchByIds("Lead", [leadId])).toHaveLength(1);
    sandbox.expireSessions();
    sandbox.clearRequests();
    await expect(connector.fetchByIds("Lead", [leadId])).rejects.toMatchObject({
      status: 401,
      errorCode: "INVALID_SESSION_ID",
    });
    expect(log()).toEqual(["POST /composite/sobjects/Lead 401"]);
  });
});

describe("sandbox token endpoint", () => {
  const token = (body: Record<string, string>) =>
    fetch(`${sandbox.baseUrl}${TOKEN_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body).toString(),
    });

  it("issues tokens in Salesforce's shape and answers wrong credentials with 400", async () => {
    const ok = await token({
      grant_type: "client_credentials",
      client_id: sandbox.clientId,
      client_secret: sandbox.clientSecret,
    });
    expect(ok.status).toBe(200);
    const answer = (await ok.json()) as Record<string, string>;
    expect(answer).toMatchObject({
      instance_url: sandbox.baseUrl,
      token_type: "Bearer",
      scope: "api",
    });
    expect(answer.access_token).toMatch(/^00D\w{12}!/);
    expect(answer.issued_at).toMatch(/^\d{13}$/);
    expect(answer.signature).toBeTruthy();

    const bad = await token({
      grant_type: "client_credentials",
      client_id: sandbox.clientId,
      client_secret: "nope",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: "invalid_client",
      error_description: "invalid client credentials",
    });
    const unknown = await token({
      grant_type: "client_credentials",
      client_id: "someone-else",
      client_secret: sandbox.clientSecret,
    });
    expect(await unknown.json()).toEqual({
      error: "invalid_client_id",
      error_description: "client identifier invalid",
    });
    const grant = await token({ grant_type: "password" });
    expect(await grant.json()).toMatchObject({ error: "unsupported_grant_type" });
    // Logged like any API request, but not counted against the daily allocation.
    expect(tokenRequests().map((r) => r.status)).toEqual([200, 400, 400, 400]);
    expect(sandbox.apiUsage().used).toBe(0);

    // The admin route expires every session, the issued token included.
    const query = () =>
      fetch(`${sandbox.baseUrl}/services/data/v62.0/query?q=SELECT+Id+FROM+Lead`, {
        headers: { authorization: `Bearer ${answer.access_token}` },
      });
    expect((await query()).status).toBe(200);
    const expire = await fetch(`${sandbox.baseUrl}/_sandbox/sessions/expire`, { method: "POST" });
    expect(expire.status).toBe(204);
    const after = await query();
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual([
      { message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" },
    ]);
  });
});
