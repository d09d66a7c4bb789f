/** Raw shapes of the Salesforce REST responses the connector reads (REST API Developer Guide). */
import { z } from "zod";

export const SalesforceRecordAttributes = z.object({
  type: z.string(),
  url: z.string().optional(),
});

/** A record as /query and /composite/sobjects/{T} return it; other fields pass through. */
export const SalesforceRecord = z.looseObject({
  attributes: SalesforceRecordAttributes.optional(),
  Id: z.string(),
  SystemModstamp: z.string().optional(),
});
export type SalesforceRecord = z.infer<typeof SalesforceRecord>;

/** GET /query and /query/{locator}. */
export const SalesforceQueryResult = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(SalesforceRecord),
});
export type SalesforceQueryResult = z.infer<typeof SalesforceQueryResult>;

/** Per-record error inside a save result: note `statusCode`, not `errorCode`. */
export const SalesforceRecordError = z.object({
  statusCode: z.string(),
  message: z.string(),
  fields: z.array(z.string()).optional().nullable(),
});

/** One entry of a POST/PATCH /composite/sobjects answer, in request order. */
export const SalesforceSaveResult = z.object({
  id: z.string().nullable().optional(),
  success: z.boolean(),
  created: z.boolean().optional(),
  errors: z.array(SalesforceRecordError),
});
export type SalesforceSaveResult = z.infer<typeof SalesforceSaveResult>;
export const SalesforceSaveResults = z.array(SalesforceSaveResult);

/** POST /composite/sobjects/{T}: one entry per id, null where the record does not exist. */
export const SalesforceRetrieveResult = z.array(SalesforceRecord.nullable());

/** HTTP-level error body: an array of `{message, errorCode, fields?}`. */
export const SalesforceApiErrorBody = z.array(
  z.object({
    message: z.string(),
    errorCode: z.string(),
    fields: z.array(z.string()).optional().nullable(),
  }),
);
