import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, SANDBOX_ADMIN_TOKEN } from "../../src/runtime/config.ts";

describe("configuration from the environment", () => {
  it("needs nothing on a laptop: sandbox for both systems, embedded SQLite, port 8787, sync every 5 minutes", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      dbPath: "./data/tsunagu.db",
      hubspot: null,
      salesforce: null,
      adminToken: SANDBOX_ADMIN_TOKEN,
      syncCron: "*/5 * * * *",
    });
  });

  it("treats an empty variable as unset", () => {
    expect(
      loadConfig({ PORT: "", SALESFORCE_INSTANCE_URL: "", SALESFORCE_ACCESS_TOKEN: " " }),
    ).toMatchObject({ port: 8787, salesforce: null });
  });

  it("refuses real credentials without an admin token", () => {
    expect(() => loadConfig({ HUBSPOT_ACCESS_TOKEN: "pat", HUBSPOT_CLIENT_SECRET: "s" })).toThrow(
      new ConfigError(
        "environment variable TSUNAGU_ADMIN_TOKEN: required when real credentials are configured",
      ),
    );
  });

  it("names the missing or invalid variable", () => {
    const admin = { TSUNAGU_ADMIN_TOKEN: "t" };
    expect(() => loadConfig({ ...admin, HUBSPOT_ACCESS_TOKEN: "pat" })).toThrow(
      /HUBSPOT_CLIENT_SECRET/,
    );
    expect(() => loadConfig({ ...admin, SALESFORCE_ACCESS_TOKEN: "x" })).toThrow(
      /SALESFORCE_INSTANCE_URL/,
    );
    expect(() =>
      loadConfig({
        ...admin,
        SALESFORCE_CLIENT_ID: "id",
        SALESFORCE_LOGIN_URL: "https://acme.my.salesforce.com",
      }),
    ).toThrow(/SALESFORCE_CLIENT_SECRET/);
    expect(() => loadConfig({ PORT: "http" })).toThrow(/environment variable PORT/);
    expect(() => loadConfig({ SALESFORCE_TARGET_OBJECT: "Account" })).toThrow(
      /SALESFORCE_TARGET_OBJECT/,
    );
  });

  it("takes either a Salesforce access token or client credentials, never both", () => {
    const base = { TSUNAGU_ADMIN_TOKEN: "t", SALESFORCE_ORG_ID: "00D000000000001" };
    const oauth = {
      SALESFORCE_LOGIN_URL: "https://acme.my.salesforce.com/",
      SALESFORCE_CLIENT_ID: "id",
      SALESFORCE_CLIENT_SECRET: "secret",
    };
    expect(loadConfig({ ...base, ...oauth }).salesforce?.credentials).toEqual({
      auth: {
        kind: "client_credentials",
        loginUrl: "https://acme.my.salesforce.com",
        clientId: "id",
        clientSecret: "secret",
      },
    });
    expect(() => loadConfig({ ...base, ...oauth, SALESFORCE_ACCESS_TOKEN: "x" })).toThrow(
      /not both/,
    );
  });
});
