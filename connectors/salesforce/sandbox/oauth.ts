/**
 * OAuth 2.0 token endpoint (client-credentials grant only) and the sessions it issues.
 * `POST /services/oauth2/token`, form-encoded `grant_type=client_credentials&client_id=&client_secret=`
 * (client authentication in an HTTP Basic header is accepted too). Answers as Salesforce:
 * `{access_token, signature, scope, instance_url, id, token_type, issued_at}`, errors 400
 * `{error, error_description}`. Token requests are logged but not counted as API calls.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Context, Hono } from "hono";

export interface SessionRegistry {
  /** Is this bearer token a live session? */
  accepts(token: string | undefined): boolean;
  /** Issues a new session token. */
  issue(): string;
  /** Expires every session, the static token included. */
  expireAll(): void;
}

export function createSessionRegistry(
  staticToken: string,
  organizationId: string,
): SessionRegistry {
  const issued = new Set<string>();
  let staticValid = true;
  const prefix = organizationId.slice(0, 15);
  return {
    accepts: (token) =>
      token !== undefined && (token === staticToken ? staticValid : issued.has(token)),
    issue: () => {
      const token = `${prefix}!AQ${randomBytes(48).toString("base64url")}`;
      issued.add(token);
      return token;
    },
    expireAll: () => {
      issued.clear();
      staticValid = false;
    },
  };
}

export interface OAuthContext {
  clientId: string;
  clientSecret: string;
  organizationId: string;
  userId: string;
  baseUrl: () => string;
  sessions: SessionRegistry;
}

const oauthError = (c: Context, error: string, description: string) =>
  c.json({ error, error_description: description }, 400, { "Cache-Control": "no-store" });

function basicCredentials(header: string | undefined): [string, string] | undefined {
  const m = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    return [
      decodeURIComponent(decoded.slice(0, colon)),
      decodeURIComponent(decoded.slice(colon + 1)),
    ];
  } catch {
    return undefined;
  }
}

export function registerOAuthRoutes(app: Hono, ctx: OAuthContext): void {
  app.post("/services/oauth2/token", async (c) => {
    const form = /application\/x-www-form-urlencoded/i.test(c.req.header("content-type") ?? "")
      ? new URLSearchParams(await c.req.text())
      : new URLSearchParams();
    const grantType = form.get("grant_type");
    if (grantType !== "client_credentials")
      return oauthError(c, "unsupported_grant_type", "grant type not supported");
    const basic = basicCredentials(c.req.header("authorization"));
    const clientId = basic?.[0] ?? form.get("client_id");
    const clientSecret = basic?.[1] ?? form.get("client_secret");
    if (clientId !== ctx.clientId)
      return oauthError(c, "invalid_client_id", "client identifier invalid");
    if (clientSecret !== ctx.clientSecret)
      return oauthError(c, "invalid_client", "invalid client credentials");
    const issuedAt = String(Date.now());
    const id = `${ctx.baseUrl()}/id/${ctx.organizationId}/${ctx.userId}`;
    return c.json(
      {
        access_token: ctx.sessions.issue(),
        // base64 HMAC-SHA256 of id + issued_at keyed with the consumer secret, as Salesforce.
        signature: createHmac("sha256", ctx.clientSecret)
          .update(id + issuedAt)
          .digest("base64"),
        scope: "api",
        instance_url: ctx.baseUrl(),
        id,
        token_type: "Bearer",
        issued_at: issuedAt,
      },
      200,
      { "Cache-Control": "no-store" },
    );
  });
}
