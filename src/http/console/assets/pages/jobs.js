import { api, explain, upload } from "../api.js";
import { act, badge, formatDuration, formatTime, h, notify, replace, shortId } from "../dom.js";

const KINDS = [
  { kind: "run", path: "/v1/runs", label: "Run" },
  { kind: "backfill", path: "/v1/backfills", label: "Backfill" },
  { kind: "import", path: "/v1/imports", label: "CSV import" },
  { kind: "rescore", path: "/v1/rescore", label: "Rescore" },
  { kind: "dedupe", path: "/v1/dedupe-scans", label: "Dedupe scan" },
];
const ACTIVE = new Set(["queued", "running"]);
const LIST_LIMIT = 15;

/** `hubspot.create: 3` and the like, as one row per system; other counts stay as they are. */
export function countsBySystem(progress) {
  const systems = new Map();
  const other = [];
  for (const [key, n] of Object.entries(progress ?? {})) {
    const dot = key.indexOf(".");
    if (dot > 0) {
      const system = key.slice(0, dot);
      const row = systems.get(system) ?? {};
      row[key.slice(dot + 1)] = n;
      systems.set(system, row);
    } else other.push([key, n]);
  }
  return { systems, other };
}

function countsView(job) {
  const { systems: all, other } = countsBySystem(job.progress);
  const systems = new Map([...all].filter(([, row]) => Object.values(row).some((n) => n !== 0)));
  const columns = [...new Set([...systems.values()].flatMap((r) => Object.keys(r)))].sort();
  return h(
    "div",
    { class: "counts" },
    other.length > 0
      ? h("p", { class: "muted" }, other.map(([k, n]) => `${k} ${n}`).join(" · "))
      : null,
    systems.size > 0
      ? h(
          "table",
          { class: "mini", "aria-label": job.params.dryRun ? "planned per system" : "per system" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { text: job.params.dryRun ? "would" : "system" }),
              columns.map((c) => h("th", { text: c })),
            ),
          ),
          h(
            "tbody",
            {},
            [...systems].map(([system, row]) =>
              h(
                "tr",
                { dataset: { system } },
                h("th", { text: system }),
                columns.map((c) => h("td", { dataset: { count: c }, text: row[c] ?? 0 })),
              ),
            ),
          ),
        )
      : job.params.dryRun && job.status === "succeeded"
        ? h("p", { class: "muted" }, "Nothing would change in any system.")
        : null,
  );
}

function progressBar(job) {
  const total = job.params.bytes;
  if (job.kind === "import" && typeof total === "number" && total > 0) {
    const done = Math.min(total, job.progress.bytes ?? 0);
    return h("progress", { max: total, value: job.status === "succeeded" ? total : done });
  }
  if (job.status === "running") return h("progress", { "aria-label": "running" });
  return null;
}

const durationOf = (job) =>
  job.startedAt
    ? (job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt)
    : null;

function jobRow(job, onCancel) {
  const label = KINDS.find((k) => k.kind === job.kind)?.label ?? job.kind;
  const subject = [job.params.system, job.params.mapping, job.params.filename]
    .filter(Boolean)
    .join(" · ");
  return h(
    "tr",
    { dataset: { jobId: job.id, kind: job.kind, status: job.status } },
    h(
      "td",
      {},
      h("strong", { text: label }),
      subject ? h("div", { class: "muted", text: subject }) : null,
      job.params.dryRun ? badge("dry run", "dry") : null,
    ),
    h("td", { class: "mono", title: job.id, text: shortId(job.id) }),
    h("td", {}, badge(job.status), progressBar(job)),
    h("td", { text: formatTime(job.startedAt ?? job.createdAt) }),
    h("td", { text: formatDuration(durationOf(job)) }),
    h(
      "td",
      {},
      countsView(job),
      job.errors.length > 0
        ? h(
            "details",
            {},
            h("summary", { text: `${job.errors.length} errors` }),
            h(
              "ul",
              {},
              job.errors
                .slice(0, 20)
                .map((e) =>
                  h("li", { text: `${e.row ? `row ${e.row}: ` : ""}${e.reason ?? e.message}` }),
                ),
            ),
          )
        : null,
    ),
    h(
      "td",
      {},
      ACTIVE.has(job.status)
        ? h("button", { type: "button", onclick: (e) => onCancel(e.currentTarget, job) }, "Cancel")
        : null,
    ),
  );
}

function backfillForm(systems, started) {
  const system = h(
    "select",
    { name: "system", required: true },
    systems.map((s) => h("option", { value: s, text: s })),
  );
  const since = h("input", { type: "datetime-local", name: "since" });
  const dryRun = h("input", { type: "checkbox", name: "dryRun" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start backfill");
  return h(
    "form",
    {
      class: "card",
      "aria-label": "Start a backfill",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = { system: system.value, dryRun: dryRun.checked };
        if (since.value) body.since = new Date(since.value).toISOString();
        const job = await act(
          submit,
          () => api("/v1/backfills", { method: "POST", json: body }),
          explain,
        );
        if (job)
          started(job, `Backfill of ${body.system}${body.dryRun ? " (dry run)" : ""} queued`);
      },
    },
    h("h2", { text: "Backfill" }),
    h(
      "p",
      { class: "muted" },
      "Reads every record of one system through the full sync path. A dry run counts what would be created and updated in each system and writes nothing.",
    ),
    h("label", {}, "System ", system),
    h("label", {}, "Modified since ", since),
    h("label", { class: "inline" }, dryRun, " Dry run"),
    submit,
  );
}

function quickActions(started) {
  const button = (label, path, what) => {
    const b = h("button", { type: "button" }, label);
    b.addEventListener("click", async () => {
      const job = await act(b, () => api(path, { method: "POST", json: {} }), explain);
      if (job) started(job, `${what} queued`);
    });
    return b;
  };
  return h(
    "div",
    { class: "card" },
    h("h2", { text: "Other jobs" }),
    h("div", { class: "buttons" }, [
      button("Run an incremental sync", "/v1/runs", "Run"),
      button("Rescore everyone", "/v1/rescore", "Rescore"),
      button("Scan for duplicates", "/v1/dedupe-scans", "Dedupe scan"),
    ]),
  );
}

function importForm(mappings, started) {
  const mapping = h(
    "select",
    { name: "mapping", required: true },
    mappings.map((m) => h("option", { value: m, text: m })),
  );
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true });
  const bar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "upload" });
  const status = h("span", { class: "muted", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, "Upload and import");
  return h(
    "form",
    {
      class: "card",
      "aria-label": "Import a CSV file",
      onsubmit: async (event) => {
        event.preventDefault();
        const chosen = file.files?.[0];
        if (!chosen) return notify("error", "Choose a CSV file first.");
        const form = new FormData();
        form.append("mapping", mapping.value);
        form.append("file", chosen, chosen.name);
        bar.hidden = false;
        bar.value = 0;
        const job = await act(
          submit,
          () =>
            upload("/v1/imports", form, (loaded, total) => {
              bar.max = total;
              bar.value = loaded;
              status.textContent = `${Math.round((100 * loaded) / total)} % uploaded`;
            }),
          explain,
        );
        if (job) {
          status.textContent = "Uploaded; importing";
          started(job, `Import of ${chosen.name} queued`);
        } else status.textContent = "";
      },
    },
    h("h2", { text: "CSV import" }),
    mappings.length === 0
      ? h("p", { class: "muted" }, "No CSV mappings are configured (mappings/csv.<name>.json).")
      : null,
    h("label", {}, "Mapping ", mapping),
    h("label", {}, "File ", file),
    submit,
    h("div", { class: "upload" }, bar, status),
  );
}

export async function render(main) {
  const hub = await api("/v1/hub");
  const tbody = h("tbody", {});
  const table = h(
    "table",
    { class: "jobs", "aria-label": "Jobs" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Job", "Id", "Status", "Started", "Duration", "Counts", ""].map((t) =>
          h("th", { text: t }),
        ),
      ),
    ),
    tbody,
  );
  let timer;
  async function refresh() {
    clearTimeout(timer);
    let jobs = [];
    try {
      const lists = await Promise.all(
        KINDS.map((k) => api(`${k.path}?limit=${LIST_LIMIT}`).then((r) => r.results)),
      );
      jobs = lists.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    } catch (error) {
      notify("error", explain(error));
      timer = setTimeout(refresh, 5000);
      return;
    }
    replace(
      tbody,
      jobs.length === 0
        ? h("tr", {}, h("td", { colspan: 7, class: "muted", text: "No jobs yet." }))
        : jobs.map((job) => jobRow(job, cancel)),
    );
    timer = setTimeout(refresh, jobs.some((j) => ACTIVE.has(j.status)) ? 750 : 5000);
  }
  async function cancel(button, job) {
    const done = await act(
      button,
      () => api(`/v1/jobs/${encodeURIComponent(job.id)}/cancel`, { method: "POST", json: {} }),
      explain,
    );
    if (done) notify("ok", `Cancelling ${job.kind} ${shortId(job.id)}`);
    refresh();
  }
  const started = (job, message) => {
    notify("ok", `${message} (${shortId(job.id)}).`);
    refresh();
  };
  replace(
    main,
    h("h1", { text: "Runs and jobs" }),
    h(
      "section",
      { class: "grid" },
      backfillForm(hub.systems, started),
      importForm(hub.csvMappings, started),
      quickActions(started),
    ),
    h("section", {}, h("h2", { text: "Recent jobs" }), table),
  );
  await refresh();
}
