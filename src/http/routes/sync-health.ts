import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { DeadLetterRow } from "../../store/dead-letters.ts";
import { retryState } from "../../sync/retry.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../problem.ts";
import { DeadLetterView, deadLetterView, problemResponses } from "../views.ts";

/** Open letters read for one answer; a backlog beyond it is reported as truncated. */
export const OPEN_LETTERS_LIMIT = 10_000;
const PAGE = 500;
const LETTERS_PER_GROUP = 100;
const PEOPLE_PER_GROUP = 50;

const GroupFilter = z.object({
  system: z
    .string()
    .min(1)
    .optional()
    .openapi({ param: { name: "system", in: "query" } }),
  code: z
    .string()
    .min(1)
    .optional()
    .openapi({ param: { name: "code", in: "query" } }),
});

const FailureGroup = z
  .object({
    system: z.string(),
    code: z.string(),
    message: z.string().openapi({ description: "The newest letter's error message" }),
    count: z.number().int(),
    retry: z.record(z.string(), z.number().int()).openapi({
      description: "Letters per retry state: scheduled, exhausted, permanent",
    }),
    people: z.array(
      z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
    ),
    peopleCount: z.number().int(),
    letters: z.array(DeadLetterView),
    latestAt: z.string(),
  })
  .openapi("FailureGroup");

const SyncHealthView = z
  .object({
    open: z.number().int(),
    truncated: z.boolean(),
    groups: z.array(FailureGroup),
  })
  .openapi("SyncHealth");

async function openLetters(deps: AppDeps, filter: z.infer<typeof GroupFilter>) {
  const rows: DeadLetterRow[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await deps.store.deadLetters.list(PAGE, "open", cursor);
    rows.push(
      ...page.filter(
        (r) =>
          (!filter.system || r.system === filter.system) &&
          (!filter.code || r.error.code === filter.code),
      ),
    );
    if (page.length < PAGE) break;
    if (rows.length >= OPEN_LETTERS_LIMIT) {
      truncated = true;
      break;
    }
    cursor = page[page.length - 1]!.id;
  }
  return { rows, truncated };
}

function groupsOf(rows: DeadLetterRow[]): DeadLetterRow[][] {
  const groups = new Map<string, DeadLetterRow[]>();
  for (const row of rows) {
    const key = `${row.system}\u0000${row.error.code}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

const CSV_COLUMNS = [
  "id",
  "system",
  "object",
  "externalId",
  "contactId",
  "operation",
  "code",
  "message",
  "attempts",
  "retry",
  "createdAt",
  "updatedAt",
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so spreadsheets do not run it as a formula. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function registerSyncHealth(app: OpenAPIHono, deps: AppDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/sync-health",
      summary:
        "Open failures grouped by system and error code, with counts and the affected people",
      request: { query: GroupFilter },
      responses: {
        200: {
          description: "Failure groups, the largest first",
          content: { "application/json": { schema: SyncHealthView } },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { rows, truncated } = await openLetters(deps, c.req.valid("query"));
      const groups = groupsOf(rows);
      const shownPeople = [
        ...new Set(
          groups.flatMap((g) => [...new Set(g.map((r) => r.contactId))].slice(0, PEOPLE_PER_GROUP)),
        ),
      ];
      const people = new Map(
        (await deps.store.contacts.load(shownPeople)).map((p) => {
          const text = (v: unknown) => (typeof v === "string" && v ? v : null);
          const name = [text(p.golden.firstName?.value), text(p.golden.lastName?.value)]
            .filter(Boolean)
            .join(" ");
          return [p.id, { id: p.id, name: name || null, email: text(p.golden.email?.value) }];
        }),
      );
      return c.json(
        {
          open: rows.length,
          truncated,
          groups: groups.map((letters) => {
            const retry: Record<string, number> = {};
            for (const l of letters) retry[retryState(l)] = (retry[retryState(l)] ?? 0) + 1;
            const ids = [...new Set(letters.map((l) => l.contactId))];
            return {
              system: letters[0]!.system,
              code: letters[0]!.error.code,
              message: letters[0]!.error.message,
              count: letters.length,
              retry,
              people: ids
                .slice(0, PEOPLE_PER_GROUP)
                .map((id) => people.get(id) ?? { id, name: null, email: null }),
              peopleCount: ids.length,
              letters: letters.slice(0, LETTERS_PER_GROUP).map(deadLetterView),
              latestAt: new Date(letters[0]!.createdAt).toISOString(),
            };
          }),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/sync-health/replay",
      summary:
        "Replay every open failure of one system and error code: each person is re-synced from current state",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .strictObject({ system: z.string().min(1), code: z.string().min(1) })
                .openapi("ReplayGroupRequest"),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Replayed",
          content: {
            "application/json": {
              schema: z
                .object({ replayed: z.number().int(), people: z.number().int() })
                .openapi("ReplayGroupResult"),
            },
          },
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const filter = c.req.valid("json");
      const { rows } = await openLetters(deps, filter);
      if (rows.length === 0)
        throw new ApiError(
          404,
          "Not Found",
          `no open failures of ${filter.system} with code ${filter.code}`,
          "code",
        );
      const now = deps.now();
      for (const row of rows) await deps.store.deadLetters.markReplayed(row.id, now);
      const people = [...new Set(rows.map((r) => r.contactId))];
      for (const id of people) await deps.engine.resync(id);
      return c.json({ replayed: rows.length, people: people.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/sync-health/export",
      summary: "Open failures as CSV (optionally one system and error code)",
      request: { query: GroupFilter },
      responses: {
        200: { description: "CSV", content: { "text/csv": { schema: z.string() } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { rows } = await openLetters(deps, c.req.valid("query"));
      const lines = [CSV_COLUMNS.join(",")];
      for (const row of rows) {
        const view = deadLetterView(row);
        const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
          ...view,
          code: view.error.code,
          message: view.error.message,
        };
        lines.push(CSV_COLUMNS.map((column) => csvCell(cells[column])).join(","));
      }
      return c.body(`${lines.join("\r\n")}\r\n`, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="tsunagu-failures.csv"',
      });
    },
  );
}
