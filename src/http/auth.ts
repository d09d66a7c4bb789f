import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../../connectors/shared/timing-safe.ts";
import { ApiError } from "./problem.ts";

/** Bearer-token guard for the ops API; the comparison takes the same time wherever tokens differ. */
export function requireAdminToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!given || !timingSafeEqual(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="tsunagu"');
      throw new ApiError(
        401,
        "Unauthorized",
        "a valid admin bearer token is required",
        "authorization",
      );
    }
    await next();
  };
}
