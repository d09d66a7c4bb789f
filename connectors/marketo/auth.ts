/**
 * OAuth client credentials against the instance's identity service:
 * `GET {baseUrl}/identity/oauth/token?grant_type=client_credentials&client_id=&client_secret=`
 * answers `{access_token, token_type, expires_in, scope}`; refusals are HTTP 401
 * `{error, error_description}`. Asking while a token is valid returns the *same* token with
 * its remaining lifetime, so a token cannot be renewed early: near expiry we keep using it and
 * rely on the 601/602 answer to fetch the next one.
 */
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { MarketoOAuthError, MarketoTokenAnswer } from "./api-types.ts";
import { MarketoAuthError } from "./errors.ts";

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenSource {
  /** A token believed valid; the first call (or one after expiry) asks the identity service. */
  token(): Promise<string>;
  /** A replacement after `stale` was refused (601/602); shared by every caller that saw it. */
  refresh(stale: string): Promise<string>;
}

/** One identity call. Errors are MarketoAuthError without the secret in any message. */
export async function requestToken(
  http: AxiosInstance,
  credentials: { clientId: string; clientSecret: string },
): Promise<IssuedToken> {
  let res: AxiosResponse<unknown>;
  try {
    res = await http.get("/identity/oauth/token", {
      params: {
        grant_type: "client_credentials",
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      },
    });
  } catch (error) {
    const code = axios.isAxiosError(error) ? (error.code ?? "ERROR") : "ERROR";
    throw new MarketoAuthError(
      `TOKEN_NETWORK_${code}`,
      `Marketo identity request failed: ${code}`,
      0,
    );
  }
  if (res.status !== 200) {
    const parsed = MarketoOAuthError.safeParse(res.data);
    if (parsed.success) {
      const said = (parsed.data.error_description ?? "")
        .split(credentials.clientSecret)
        .join("[redacted]")
        .slice(0, 200);
      throw new MarketoAuthError(
        parsed.data.error,
        `Marketo refused the client credentials: ${parsed.data.error}${said ? ` (${said})` : ""}`,
        res.status,
      );
    }
    throw new MarketoAuthError(
      `TOKEN_HTTP_${res.status}`,
      `Marketo identity service answered HTTP ${res.status}`,
      res.status,
    );
  }
  const answer = MarketoTokenAnswer.safeParse(res.data);
  if (!answer.success)
    throw new MarketoAuthError(
      "TOKEN_RESPONSE_INVALID",
      "Marketo identity service answered without an access_token",
      res.status,
    );
  return { accessToken: answer.data.access_token, expiresInSeconds: answer.data.expires_in };
}

interface Current {
  accessToken: string;
  expiresAt: number;
  /** The identity service already gave this token back once: asking again is pointless. */
  reissued: boolean;
}

export function createTokenSource(
  fetchToken: () => Promise<IssuedToken>,
  options: { marginMs: number; now?: () => number; sleep?: (ms: number) => Promise<void> },
): TokenSource {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let current: Current | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchOnce = (): Promise<string> => {
    inFlight ??= (async () => {
      const issued = await fetchToken();
      const reissued = current?.accessToken === issued.accessToken;
      current = {
        accessToken: issued.accessToken,
        expiresAt: now() + issued.expiresInSeconds * 1000,
        reissued,
      };
      return issued.accessToken;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const fresh = (c: Current | undefined): c is Current =>
    c !== undefined &&
    (now() < c.expiresAt - options.marginMs || (c.reissued && now() < c.expiresAt));

  return {
    token: () => inFlight ?? (fresh(current) ? Promise.resolve(current.accessToken) : fetchOnce()),
    refresh: async (stale) => {
      if (inFlight) return inFlight;
      if (current && current.accessToken !== stale) return current.accessToken;
      current = current ? { ...current, expiresAt: 0 } : undefined;
      const next = await fetchOnce();
      const remaining = (current?.expiresAt ?? 0) - now();
      // Same token back: Marketo's API and identity service disagree. With time left, the
      // caller repeats once with it (a second refusal surfaces); at the edge of expiry, wait
      // it out so the identity service issues the next one.
      if (next !== stale || remaining > 5000) return next;
      await wait(Math.max(0, remaining) + 1000);
      return fetchOnce();
    },
  };
}
