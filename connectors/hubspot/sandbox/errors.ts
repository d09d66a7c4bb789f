/** HubSpot-shaped error bodies: `{status:"error", category, correlationId, message, errors?, context?}`. */
import type { PropertyIssue } from "./store.ts";

export interface HubspotErrorDetail {
  message: string;
  code?: string;
  context?: Record<string, string[]>;
}

export interface HubspotError {
  status: "error";
  category: string;
  correlationId: string;
  message: string;
  errors?: HubspotErrorDetail[];
  context?: Record<string, string[]>;
  [extra: string]: unknown;
}

export function correlationId(): string {
  return crypto.randomUUID();
}

export function errorBody(
  category: string,
  message: string,
  extra: Partial<Omit<HubspotError, "status" | "category" | "message">> = {},
): HubspotError {
  return { status: "error", category, correlationId: correlationId(), message, ...extra };
}

export const notFound = () => errorBody("OBJECT_NOT_FOUND", "resource not found");

export const validation = (message: string, errors?: HubspotErrorDetail[]) =>
  errorBody("VALIDATION_ERROR", message, errors ? { errors } : {});

/** The real API serialises the property validation results into the message. */
export function propertyValidation(issues: PropertyIssue[]): HubspotError {
  const results = issues.map((issue) => ({
    isValid: false,
    message: issue.message,
    error: issue.code,
    name: issue.name,
    localizedErrorMessage: issue.message,
  }));
  return errorBody(
    "VALIDATION_ERROR",
    `Property values were not valid: ${JSON.stringify(results)}`,
    {
      errors: issues.map((issue) => ({
        message: issue.message,
        code: issue.code,
        context: { propertyName: [issue.name] },
      })),
    },
  );
}

export const conflict = (existingId: string) =>
  errorBody("CONFLICT", `Contact already exists. Existing ID: ${existingId}`);

export function rateLimitBody(
  policy: "TEN_SECONDLY_ROLLING" | "SECONDLY",
): Record<string, unknown> {
  return {
    status: "error",
    message:
      policy === "TEN_SECONDLY_ROLLING"
        ? "You have reached your ten_secondly_rolling limit."
        : "You have reached your secondly limit.",
    errorType: "RATE_LIMIT",
    correlationId: correlationId(),
    policyName: policy,
    groupName: policy === "SECONDLY" ? "search" : "api-calls",
    category: "RATE_LIMITS",
  };
}

export function serverErrorBody(status: number): HubspotError {
  const message =
    status === 502
      ? "Bad gateway"
      : status === 503
        ? "Service temporarily unavailable"
        : status === 504
          ? "Gateway timeout"
          : "internal error";
  return errorBody("INTERNAL_ERROR", message);
}
