import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type CsvMapping,
  type ImportParams,
  type Imports,
  publicImportParams,
  requiredColumns,
  rowErrorsOf,
  withoutServerPaths,
} from "../../import/index.ts";
import { CsvFormatError, readHeader } from "../../import/reader.ts";
import {
  boundaryOf,
  locateParts,
  partText,
  removeUpload,
  saveUpload,
  UploadTooLarge,
} from "../../import/upload.ts";
import type { JobRow } from "../../store/jobs.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, notFound } from "../problem.ts";
import { JobView, jobView, listOf, PageQuery, pageOf, problemResponses } from "../views.ts";
import { JobIdParam } from "./jobs.ts";

const ImportJobView = JobView.extend({
  params: z.record(z.string(), z.unknown()).openapi({
    description:
      "mapping, bytes, the byte range of the CSV text in the upload (start, end), filename " +
      "(the client's, when the upload named one) and upload (a neutral id); never a server path",
    example: { mapping: "febrl", bytes: 1024, start: 0, end: 1024, upload: "3b2f…" },
  }),
  errors: z.array(
    z.object({
      at: z.string(),
      message: z.string(),
      row: z
        .number()
        .int()
        .optional()
        .openapi({ description: "1-based data row (header not counted)" }),
      reason: z.string().optional(),
    }),
  ),
}).openapi("ImportJob");

/**
 * An import job as every answer shows it. The stored params keep the upload's server path
 * for the engine; answers never carry it (nor the data folder): `params.upload` is the
 * upload's neutral id, `params.filename` the client's own file name where one was sent.
 */
function importJobView(job: JobRow): z.infer<typeof ImportJobView> {
  const clean = (message: string) => withoutServerPaths(message, job.params);
  return {
    ...jobView(job),
    params: publicImportParams(job.params),
    errors: rowErrorsOf(job.errors).map((e) => ({
      ...e,
      message: clean(e.message),
      ...(e.reason !== undefined ? { reason: clean(e.reason) } : {}),
      at: new Date(e.at).toISOString(),
    })),
  };
}

const ImportQuery = z.object({
  mapping: z
    .string()
    .min(1)
    .optional()
    .openapi({
      param: { name: "mapping", in: "query" },
      description: "The CSV mapping (`mappings/csv.<name>.json`), e.g. febrl",
      example: "febrl",
    }),
});

const CSV_TYPES = /^(text\/csv|application\/csv|text\/plain)\b/i;

export function registerImports(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/imports",
      summary:
        "Import a CSV file: every row through the full sync path as a record of csv:<mapping>",
      description:
        "The body is `text/csv` (streamed to disk, never held in memory) with `?mapping=`, or " +
        "`multipart/form-data` with a `file` part and a `mapping` field (also stored to disk " +
        "first and imported from the file part's byte range). The upload is kept next to the " +
        "SQLite file until the job ends, so a restarted hub resumes the import from its " +
        "checkpoint. Rows that cannot be imported are listed in `errors` as `{row, reason}` " +
        "(the first 1,000; `progress.rejected` counts all).",
      request: {
        query: ImportQuery,
        body: {
          required: true,
          content: {
            "text/csv": {
              schema: z.string().openapi({ example: "rec_id,given_name\nrec-1,ada\n" }),
            },
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: {
                  file: { type: "string", format: "binary" },
                  mapping: { type: "string" },
                },
                required: ["file"],
              },
            },
          },
        },
      },
      responses: {
        202: {
          description: "Stored and queued",
          content: { "application/json": { schema: ImportJobView } },
        },
        ...problemResponses,
        415: {
          description: "Neither text/csv nor multipart/form-data",
          content: { "application/problem+json": { schema: z.object({}).passthrough() } },
        },
      },
    }),
    async (c) => {
      const imports = deps.imports;
      if (!imports) throw new ApiError(503, "Service Unavailable", "CSV imports are not set up");
      const contentType = c.req.header("content-type") ?? "";
      const queried = c.req.valid("query").mapping;
      const multipart = /^multipart\/form-data/i.test(contentType);
      if (!multipart && !CSV_TYPES.test(contentType)) {
        throw new ApiError(
          415,
          "Unsupported Media Type",
          "send the file as text/csv (with ?mapping=) or multipart/form-data (file, mapping)",
          "content-type",
        );
      }
      const boundary = multipart ? boundaryOf(contentType) : undefined;
      if (multipart && !boundary)
        throw new ApiError(400, "Bad Request", "multipart body without a boundary", "body");
      // Fail before the upload when the query already says which mapping.
      if (queried !== undefined) mappingNamed(imports, queried);
      else if (!multipart) throw missingMapping();
      const body = c.req.raw.body;
      if (!body) throw new ApiError(400, "Bad Request", "the body is empty", "body");

      const upload = await saveUpload(body, imports.uploadDir, imports.maxUploadBytes).catch(
        (error: unknown) => {
          throw error instanceof UploadTooLarge
            ? new ApiError(413, "Content Too Large", error.message, "body")
            : error;
        },
      );
      try {
        let name = queried;
        let range = { start: 0, end: upload.bytes };
        let filename: string | undefined;
        if (boundary) {
          const parts = await locateParts(upload.file, boundary);
          const filePart = parts.find((p) => p.name === "file");
          if (!filePart)
            throw new ApiError(400, "Bad Request", "no `file` part in the form", "file");
          const field = parts.find((p) => p.name === "mapping");
          const named = field ? await partText(upload.file, field) : undefined;
          if (named !== undefined && queried !== undefined && named !== queried) {
            throw new ApiError(
              400,
              "Bad Request",
              `the form says mapping "${named}", the query "${queried}"`,
              "mapping",
            );
          }
          name = named ?? queried;
          range = { start: filePart.start, end: filePart.end };
          filename = filePart.filename;
        }
        if (name === undefined) throw missingMapping();
        const mapping = mappingNamed(imports, name);
        if (range.end <= range.start)
          throw new ApiError(400, "Bad Request", "the CSV file is empty", "file");
        await checkHeader(mapping, { file: upload.file, ...range });
        const params: ImportParams = {
          mapping: name,
          file: upload.file,
          ...range,
          bytes: range.end - range.start,
          ...(filename ? { filename } : {}),
        };
        const job = await deps.engine.jobs.submit("import", params);
        return c.json(importJobView(job), 202);
      } catch (error) {
        removeUpload(upload.file);
        throw error;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/imports",
      summary: "List import jobs, newest first",
      request: { query: PageQuery },
      responses: {
        200: {
          description: "Jobs",
          content: { "application/json": { schema: listOf(ImportJobView) } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(
        pageOf(await deps.store.jobs.list("import", limit + 1, cursor), limit, importJobView),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/imports/{id}",
      summary:
        "One import job: progress counts rows read, accepted and rejected (and bytes of params.bytes); errors list rejected rows",
      request: { params: JobIdParam },
      responses: {
        200: { description: "Job", content: { "application/json": { schema: ImportJobView } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const job = await deps.store.jobs.get(c.req.valid("param").id, "import");
      if (!job) throw notFound("import");
      return c.json(importJobView(job), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/imports/{id}/cancel",
      summary: "Cancel an import; a running one stops after the page in flight",
      request: { params: JobIdParam },
      responses: {
        202: {
          description: "Cancelling",
          content: { "application/json": { schema: ImportJobView } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deps.store.jobs.get(id, "import"))) throw notFound("import");
      return c.json(importJobView((await deps.engine.jobs.cancel(id))!), 202);
    },
  );
}

const missingMapping = () =>
  new ApiError(
    400,
    "Bad Request",
    "name the CSV mapping: ?mapping=<name> (or a `mapping` form field)",
    "mapping",
  );

function mappingNamed(imports: Imports, name: string): CsvMapping {
  const mapping = imports.csv.get(name);
  if (!mapping) {
    const known = [...imports.csv.keys()];
    throw new ApiError(
      400,
      "Bad Request",
      `unknown mapping "${name}" (mappings/csv.<name>.json; known: ${known.join(", ") || "none"})`,
      "mapping",
    );
  }
  return mapping;
}

/** The header must have every column the mapping reads; otherwise it is the wrong file or mapping. */
async function checkHeader(
  mapping: CsvMapping,
  source: { file: string; start: number; end: number },
): Promise<void> {
  let columns: string[];
  try {
    ({ columns } = await readHeader(source, mapping.spec.csv));
  } catch (error) {
    if (error instanceof CsvFormatError)
      throw new ApiError(400, "Bad Request", error.message, "file");
    throw error;
  }
  const missing = requiredColumns(mapping).filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new ApiError(
      400,
      "Bad Request",
      `the header lacks ${missing.map((c) => `"${c}"`).join(", ")}, which mapping "${mapping.name}" reads`,
      "file",
    );
  }
}
