import { api, explain } from "../api.js";
import { act, badge, formatTime, h, notify, personLink, personName, replace } from "../dom.js";

const STATUSES = ["pending", "merged", "dismissed"];

function valueText(value) {
  return value === null || value === undefined || value === "" ? "–" : String(value);
}

function sideBySide(a, b) {
  const fields = [
    ...new Set([...Object.keys(a?.attributes ?? {}), ...Object.keys(b?.attributes ?? {})]),
  ]
    .filter((f) => valueText(a?.attributes[f]) !== "–" || valueText(b?.attributes[f]) !== "–")
    .sort();
  const sources = (c) =>
    (c?.sources ?? []).map((s) => `${s.system} ${s.object} ${s.externalId}`).join("\n") || "–";
  return h(
    "table",
    { class: "pair" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { text: "field" }),
        h("th", {}, a ? personLink(a.id, personName(a)) : "(gone)"),
        h("th", {}, b ? personLink(b.id, personName(b)) : "(gone)"),
      ),
    ),
    h(
      "tbody",
      {},
      fields.map((field) => {
        const left = valueText(a?.attributes[field]);
        const right = valueText(b?.attributes[field]);
        return h(
          "tr",
          { class: left === right ? "same" : "differs" },
          h("th", { text: field }),
          h("td", { text: left }),
          h("td", { text: right }),
        );
      }),
      h(
        "tr",
        { class: "records" },
        h("th", { text: "records" }),
        h("td", { class: "mono pre", text: sources(a) }),
        h("td", { class: "mono pre", text: sources(b) }),
      ),
    ),
  );
}

/** One bar per compared field: right of the middle for evidence of a match, left against. */
function evidenceBars(evidence) {
  const scale = Math.max(1, ...evidence.map((e) => Math.abs(e.weight)));
  return h(
    "div",
    { class: "evidence", role: "list", "aria-label": "Evidence per field" },
    evidence.map((e) => {
      const width = `${((Math.abs(e.weight) / scale) * 50).toFixed(1)}%`;
      return h(
        "div",
        { class: "evidence-row", role: "listitem", dataset: { field: e.field } },
        h("span", { class: "evidence-label", text: `${e.field} · ${e.level}` }),
        h(
          "span",
          { class: "bar-track" },
          h("span", {
            class: e.weight >= 0 ? "bar for" : "bar against",
            style: `width: ${width}`,
          }),
        ),
        h("span", { class: "evidence-weight mono", text: e.weight.toFixed(2) }),
      );
    }),
  );
}

function pairCard(pair, reload) {
  const merge = h("button", { type: "button", class: "primary" }, "Merge");
  const dismiss = h("button", { type: "button" }, "Not the same person");
  merge.addEventListener("click", async () => {
    const person = await act(
      merge,
      () =>
        api(`/v1/duplicates/${encodeURIComponent(pair.id)}/merge`, { method: "POST", json: {} }),
      explain,
    );
    if (person) {
      notify("ok", `Merged into ${personName(person)}.`);
      reload();
    }
  });
  dismiss.addEventListener("click", async () => {
    const done = await act(
      dismiss,
      () =>
        api(`/v1/duplicates/${encodeURIComponent(pair.id)}/dismiss`, { method: "POST", json: {} }),
      explain,
    );
    if (done) {
      notify("ok", "Kept as two people; the pair will not be proposed again.");
      reload();
    }
  });
  return h(
    "article",
    { class: "card pair-card", dataset: { pairId: pair.id, status: pair.status } },
    h(
      "header",
      {},
      h("h2", { text: `${Math.round(pair.probability * 100)} % likely the same person` }),
      badge(pair.status),
    ),
    h(
      "p",
      { class: "muted" },
      `Proposed ${formatTime(pair.createdAt)}`,
      pair.decidedAt ? ` · decided ${formatTime(pair.decidedAt)} by ${pair.decidedBy}` : "",
    ),
    h("div", { class: "pair-body" }, sideBySide(pair.a, pair.b), evidenceBars(pair.evidence)),
    pair.status === "pending" ? h("div", { class: "buttons" }, merge, dismiss) : null,
  );
}

export async function render(main) {
  const status = new URLSearchParams(location.search).get("status") ?? "pending";
  async function draw() {
    const page = await api(`/v1/duplicates?status=${encodeURIComponent(status)}&limit=50`);
    replace(
      main,
      h("h1", { text: "Duplicates" }),
      h(
        "nav",
        { class: "tabs", "aria-label": "Pair status" },
        STATUSES.map((s) =>
          h("a", { href: `?status=${s}`, "aria-current": s === status ? "page" : undefined }, s),
        ),
      ),
      page.results.length === 0
        ? h("p", { class: "summary" }, `No ${status} pairs.`)
        : h(
            "section",
            { class: "pairs" },
            page.results.map((p) => pairCard(p, reloadLater)),
          ),
    );
  }
  const reloadLater = () => draw().catch((e) => notify("error", explain(e)));
  await draw();
}
