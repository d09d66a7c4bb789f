/**
 * `GET|POST /identity/oauth/token?grant_type=client_credentials&client_id=&client_secret=`
 * answers `{access_token, token_type:"bearer", expires_in, scope}`. Bad credentials are an
 * HTTP 401 `{error, error_description}`. Not counted against any API limit.
 */
import type { Context, Hono } from "hono";
import type { Env } from "./envelope.ts";
import type { SandboxState } from "./state.ts";

async function params(c: Context<Env>): Promise<URLSearchParams> {
  const out = new URL(c.req.url).searchParams;
  if (c.req.method === "POST" && /x-www-form-urlencoded/i.test(c.req.header("content-type") ?? ""))
    for (const [k, v] of new URLSearchParams(await c.req.text())) if (!out.has(k)) out.set(k, v);
  return out;
}

export function registerIdentityRoutes(app: Hono<Env>, state: SandboxState): void {
  const token = async (c: Context<Env>) => {
    const p = await params(c);
    if (p.get("grant_type") !== "client_credentials")
      return c.json({ error: "invalid_request", error_description: "Unsupported grant type" }, 400);
    if (p.get("client_id") !== state.clientId)
      return c.json(
        {
          error: "unauthorized",
          error_description: `No client with requested id: ${p.get("client_id") ?? ""}`,
        },
        401,
      );
    if (p.get("client_secret") !== state.clientSecret)
      return c.json({ error: "unauthorized", error_description: "Bad client credentials" }, 401);
    const issued = state.tokens.issue();
    return c.json({
      access_token: issued.value,
      token_type: "bearer",
      expires_in: issued.expiresIn,
      scope: "tsunagu-api@sandbox.example",
    });
  };
  app.get("/identity/oauth/token", token);
  app.post("/identity/oauth/token", token);
}
