import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** RFC 9457 problem details; `field` names the offending input where there is one. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  field?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, field = "id") =>
  new ApiError(404, "Not Found", `no ${what} with that ${field}`, field);

export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    "content-type": "application/problem+json",
  });
}

export function problemFromError(error: ApiError): Problem {
  return {
    type: "about:blank",
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.field ? { field: error.field } : {}),
  };
}

/** Turns a zod failure on `target` (query, param, json...) into a 400 naming each field. */
export function problemFromZod(error: z.ZodError, target: string): Problem {
  const errors = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join(".") : target,
    message: issue.message,
  }));
  return {
    type: "about:blank",
    title: "Bad Request",
    status: 400,
    detail: `invalid ${target}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
    field: errors[0]?.field ?? target,
    errors,
  };
}
