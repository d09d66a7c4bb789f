/**
 * Activity endpoints: Get Activity Types, Get Paging Token (`sinceDatetime` -> token) and
 * Get Lead Activities (`nextPageToken`, up to 10 `activityTypeIds`, `batchSize` <= 300,
 * optional `leadIds` <= 30) and Get Deleted Leads (Delete Lead activities only, which Get
 * Lead Activities never returns). A page without activities has no `result` at all.
 */
import type { Hono } from "hono";
import {
  ACTIVITY_TYPES,
  DELETE_LEAD_TYPE,
  decodePosition,
  encodePosition,
  presentActivity,
} from "./activities.ts";
import { ApiError, type Env, ok } from "./envelope.ts";
import type { SandboxState } from "./state.ts";

const ids = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)
    .map(Number);

export function registerActivityRoutes(app: Hono<Env>, state: SandboxState): void {
  app.get("/rest/v1/activities/types.json", (c) =>
    ok(c, {
      result: ACTIVITY_TYPES.map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description,
        primaryAttribute: t.primaryAttribute,
        attributes: t.attributes,
      })),
    }),
  );

  app.get("/rest/v1/activities/pagingtoken.json", (c) => {
    const since = c.req.query("sinceDatetime");
    if (!since) throw new ApiError("1003", "sinceDatetime cannot be blank");
    const at = Date.parse(since);
    if (Number.isNaN(at)) throw new ApiError("1003", `Invalid sinceDatetime '${since}'`);
    return ok(c, { nextPageToken: encodePosition({ at, id: -1 }) });
  });

  const fromToken = (token: string | undefined) => {
    if (!token) throw new ApiError("1003", "nextPageToken cannot be blank");
    const from = decodePosition(token);
    if (!from) throw new ApiError("1003", "Invalid nextPageToken");
    return from;
  };
  const batchOf = (value: string | undefined) =>
    Math.max(1, Math.min(300, Number(value ?? 300) || 300));

  app.get("/rest/v1/activities/deletedleads.json", (c) => {
    const from = fromToken(c.req.query("nextPageToken"));
    const page = state.activities.page(
      from,
      { typeIds: new Set([DELETE_LEAD_TYPE]) },
      batchOf(c.req.query("batchSize")),
      state.activityScanSize,
    );
    return ok(c, {
      ...(page.result.length > 0 ? { result: page.result.map(presentActivity) } : {}),
      nextPageToken: encodePosition(page.next),
      moreResult: page.moreResult,
    });
  });

  app.get("/rest/v1/activities.json", (c) => {
    const from = fromToken(c.req.query("nextPageToken"));
    const typeIds = ids(c.req.query("activityTypeIds"));
    if (typeIds.length === 0) throw new ApiError("1003", "activityTypeIds cannot be blank");
    if (typeIds.length > 10 || typeIds.some((n) => !Number.isInteger(n)))
      throw new ApiError("1003", "Invalid activityTypeIds: at most 10 ids");
    const leadIds = c.req.query("leadIds") ? ids(c.req.query("leadIds")) : undefined;
    if (leadIds && leadIds.length > 30) throw new ApiError("1003", "Too many leadIds: at most 30");
    const page = state.activities.page(
      from,
      {
        typeIds: new Set(typeIds.filter((id) => id !== DELETE_LEAD_TYPE)),
        ...(leadIds ? { leadIds: new Set(leadIds) } : {}),
      },
      batchOf(c.req.query("batchSize")),
      state.activityScanSize,
    );
    return ok(c, {
      ...(page.result.length > 0 ? { result: page.result.map(presentActivity) } : {}),
      nextPageToken: encodePosition(page.next),
      moreResult: page.moreResult,
    });
  });
}
