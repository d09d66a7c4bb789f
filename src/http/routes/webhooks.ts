import type { OpenAPIHono } from "@hono/zod-openapi";
import {
  parseHubspotWebhook,
  verifyHubspotSignature,
} from "../../../connectors/hubspot/webhooks.ts";
import {
  MARKETO_WEBHOOK_SECRET_HEADER,
  MarketoWebhookError,
  parseMarketoWebhook,
} from "../../../connectors/marketo/webhooks.ts";
import {
  OutboundMessageError,
  outboundAck,
  parseOutboundMessage,
  sameOrgId,
  soapFault,
} from "../../../connectors/salesforce/webhooks.ts";
import { describeError } from "../../logger.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../problem.ts";

/**
 * Webhook receivers. Each reads the raw body once, authenticate it, persist the notices
 * and only then acknowledge: an acknowledged notice is durable (invariant 1). Replays
 * and duplicates are absorbed by the inbox's event key.
 */
export function registerWebhooks(app: OpenAPIHono, deps: AppDeps) {
  const hubspot = deps.hubspot;
  if (hubspot) {
    app.post("/webhooks/hubspot", async (c) => {
      const rawBody = await c.req.text();
      const url = hubspot.publicUrl
        ? new URL(
            new URL(c.req.url).pathname + new URL(c.req.url).search,
            hubspot.publicUrl,
          ).toString()
        : c.req.url;
      const verdict = await verifyHubspotSignature({
        method: c.req.method,
        url,
        rawBody,
        headers: c.req.raw.headers,
        clientSecret: hubspot.clientSecret,
        now: deps.now(),
      });
      if (!verdict.ok) {
        deps.logger.warn("hubspot webhook rejected", { reason: verdict.reason });
        throw new ApiError(401, "Unauthorized", verdict.reason, "X-HubSpot-Signature-v3");
      }
      let notices: ReturnType<typeof parseHubspotWebhook>;
      try {
        notices = parseHubspotWebhook(rawBody);
      } catch (error) {
        const message = describeError(error).replace(/^\w*Error: /, "");
        throw new ApiError(
          400,
          "Bad Request",
          message,
          message.match(/(\[\d+\](?:\.\w+)*)/)?.[1] ?? "body",
        );
      }
      const stored = await deps.engine.accept(notices);
      return c.json({ received: notices.length, stored }, 200);
    });
  }

  const salesforce = deps.salesforce;
  if (salesforce) {
    app.post("/webhooks/salesforce", async (c) => {
      const soap = (body: string, status: 200 | 400 | 403) =>
        c.body(body, status, { "content-type": "text/xml; charset=utf-8" });
      let message: ReturnType<typeof parseOutboundMessage>;
      try {
        message = parseOutboundMessage(await c.req.text());
      } catch (error) {
        const reason =
          error instanceof OutboundMessageError ? error.message : "malformed Outbound Message";
        return soap(soapFault(reason), 400);
      }
      if (!sameOrgId(message.organizationId, salesforce.organizationId)) {
        deps.logger.warn("salesforce outbound message from an unknown org");
        return soap(soapFault("OrganizationId does not match the configured org"), 403);
      }
      await deps.engine.accept(message.notices);
      return soap(outboundAck(), 200);
    });
  }

  const marketo = deps.marketo;
  if (marketo) {
    app.post("/webhooks/marketo", async (c) => {
      let notices: ReturnType<typeof parseMarketoWebhook>;
      try {
        notices = parseMarketoWebhook(
          c.req.raw.headers,
          await c.req.text(),
          marketo.webhookSecret,
          deps.now(),
        );
      } catch (error) {
        if (!(error instanceof MarketoWebhookError)) throw error;
        deps.logger.warn("marketo webhook rejected", { reason: error.reason });
        throw error.reason === "unauthorized"
          ? new ApiError(401, "Unauthorized", error.message, MARKETO_WEBHOOK_SECRET_HEADER)
          : new ApiError(400, "Bad Request", error.message, "body");
      }
      const stored = await deps.engine.accept(notices);
      return c.json({ received: notices.length, stored }, 200);
    });
  }
}
