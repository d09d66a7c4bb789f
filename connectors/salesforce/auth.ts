/**
 * OAuth 2.0 client-credentials flow: `POST {loginUrl}/services/oauth2/token` with
 * `grant_type=client_credentials&client_id=..&client_secret=..` (form-encoded) answers
 * `{access_token, instance_url, token_type, issued_at, signature, id, scope}`; errors are
 * 400 `{error, error_description}`. The flow has no refresh token: a new token is simply
 * requested again. Salesforce serves this grant only on the org's My Domain host.
 */
import { z } from "zod";
import { networkCode, SalesforceAuthError } from "./errors.ts";

export interface SalesforceClientCredentials {
  kind: "client_credentials";
  /** The org's My Domain URL, e.g. https://acme.my.salesforce.com (not login.salesforce.com). */
  loginUrl: string;
  /** Consumer key of the External Client App / Connected App. */
  clientId: string;
  /** Consumer secret. Never logged nor copied into errors. */
  clientSecret: string;
}

export type SalesforceAuth = SalesforceClientCredentials;

export interface SalesforceSession {
  instanceUrl: string;
  accessToken: string;
}

export interface TokenSource {
  /** The current session; the first call (or one during a refresh) waits for the token request. */
  session(): Promise<SalesforceSession>;
  /**
   * A new session after `staleToken` was rejected. Shares a request already in flight, and
   * requests nothing if the token was already replaced since `staleToken` was used.
   */
  refresh(staleToken: string | undefined): Promise<SalesforceSession>;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().optional(),
  token_type: z.string().optional(),
});

const OAuthErrorBody = z.object({
  error: z.string().min(1).max(100),
  error_description: z.string().optional(),
});

/** What an OAuth `error` usually means for this flow, for the operator reading the error. */
const HINTS: Record<string, string> = {
  invalid_client_id: "the client id (consumer key) is not known to this org",
  invalid_client: "the client secret does not match the client id",
  invalid_grant:
    "the client-credentials flow is not enabled for this app, or it has no Run As user",
  unsupported_grant_type:
    "this host does not serve the client-credentials grant; use the org's My Domain URL as loginUrl",
  inactive_user: "the app's Run As user is inactive",
  inactive_org: "the org is locked, closed or suspended",
  rate_limit_exceeded: "too many token requests; try again later",
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Validates the settings without ever echoing the secret. */
export function validateClientCredentials(auth: SalesforceClientCredentials): URL {
  const missing = (["loginUrl", "clientId", "clientSecret"] as const).filter(
    (k) => typeof auth[k] !== "string" || auth[k].trim() === "",
  );
  if (missing.length > 0)
    throw new Error(`Salesforce client_credentials auth: ${missing.join(", ")} required`);
  let url: URL;
  try {
    url = new URL(auth.loginUrl);
  } catch {
    throw new Error("Salesforce client_credentials auth: loginUrl is not a URL");
  }
  // The secret travels in the body: refuse cleartext except to a local simulator.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    throw new Error("Salesforce client_credentials auth: loginUrl must use https");
  return url;
}

/** Removes the secret (and anything token-like we were given) from server-provided text. */
function scrub(text: string, secrets: string[]): string {
  let out = text.slice(0, 200);
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}

/** One token request. Throws SalesforceAuthError; never includes credentials in messages. */
export async function requestClientCredentialsToken(
  auth: SalesforceClientCredentials,
  timeoutMs: number,
): Promise<SalesforceSession> {
  const origin = validateClientCredentials(auth).origin;
  const endpoint = `${auth.loginUrl.replace(/\/+$/, "")}/services/oauth2/token`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
      }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (error) {
    const code = networkCode(error) ?? "ERROR";
    throw new SalesforceAuthError(
      0,
      `TOKEN_NETWORK_${code}`,
      `Salesforce token request to ${origin} failed: ${code}`,
    );
  }
  const json = /json/i.test(res.headers.get("content-type") ?? "") ? safeJson(text) : undefined;
  if (!res.ok) {
    const parsed = OAuthErrorBody.safeParse(json);
    if (parsed.success) {
      const { error, error_description: description } = parsed.data;
      const said = description ? ` (${scrub(description, [auth.clientSecret])})` : "";
      const hint = HINTS[error] ? `: ${HINTS[error]}` : "";
      throw new SalesforceAuthError(
        res.status,
        error,
        `Salesforce refused the client-credentials token request at ${origin} with ${error}${said}${hint}`,
      );
    }
    throw new SalesforceAuthError(
      res.status,
      `TOKEN_HTTP_${res.status}`,
      `Salesforce token endpoint at ${origin} answered HTTP ${res.status}`,
    );
  }
  const answer = TokenAnswer.safeParse(json);
  if (!answer.success)
    throw new SalesforceAuthError(
      res.status,
      "TOKEN_RESPONSE_INVALID",
      `Salesforce token endpoint at ${origin} answered without an access_token`,
    );
  return {
    accessToken: answer.data.access_token,
    instanceUrl: (answer.data.instance_url || auth.loginUrl).replace(/\/+$/, ""),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Lazily fetched, shared session: concurrent callers share one in-flight token request;
 * `onSession` is told about every new session (the client points its Connection at it).
 */
export function createTokenSource(
  fetchSession: () => Promise<SalesforceSession>,
  onSession: (session: SalesforceSession) => void,
): TokenSource {
  let current: SalesforceSession | undefined;
  let inFlight: Promise<SalesforceSession> | undefined;
  const fetchOnce = () => {
    inFlight ??= fetchSession()
      .then((session) => {
        current = session;
        onSession(session);
        return session;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  return {
    session: () => inFlight ?? (current ? Promise.resolve(current) : fetchOnce()),
    refresh: (stale) => {
      if (inFlight) return inFlight;
      if (current && current.accessToken !== stale) return Promise.resolve(current);
      return fetchOnce();
    },
  };
}
