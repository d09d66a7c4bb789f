/**
 * Calls to endpoints the SDK does not wrap (communication preferences v4), through
 * `client.apiRequest`. apiRequest returns the raw fetch Response and never throws on an
 * error status, so this turns non-2xx answers into the same `{code, body, headers}` shape the
 * SDK's ApiException has: the classifier and describeHubspotError then treat both alike.
 * Always run these inside `api.call` (limiter + the one retry layer).
 */
import type { Client } from "@hubspot/api-client";

export class HubspotHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    // No body in the message: it can carry email addresses.
    super(`HubSpot answered HTTP ${code}`);
    this.name = "HubspotHttpError";
  }
}

export interface RawRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  qs?: Record<string, string>;
}

export async function hubspotRequest<T = unknown>(sdk: Client, request: RawRequest): Promise<T> {
  const response = await sdk.apiRequest({
    method: request.method,
    path: request.path,
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.qs ? { qs: request.qs } : {}),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (response.status < 200 || response.status > 299) {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    throw new HubspotHttpError(response.status, body, headers);
  }
  return body as T;
}
