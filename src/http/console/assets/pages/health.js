import { api, explain } from "../api.js";
import { act, badge, formatTime, h, notify, personLink, replace, shortId } from "../dom.js";

const RETRY_WORDS = {
  scheduled: "to be retried automatically",
  exhausted: "retries ran out",
  permanent: "will not pass by retrying",
};

async function download(query) {
  const response = await api(`/v1/sync-health/export${query}`, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  const a = h("a", { href: url, download: "tsunagu-failures.csv" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function groupCard(group, reload) {
  const key = `${group.system}/${group.code}`;
  const replayAll = h("button", { type: "button", class: "primary" }, `Replay all ${group.count}`);
  replayAll.addEventListener("click", async () => {
    const done = await act(
      replayAll,
      () =>
        api("/v1/sync-health/replay", {
          method: "POST",
          json: { system: group.system, code: group.code },
        }),
      explain,
    );
    if (done) {
      notify("ok", `Replayed ${done.replayed} failures of ${key} for ${done.people} people.`);
      reload();
    }
  });
  const exportGroup = h("button", { type: "button" }, "Export CSV");
  exportGroup.addEventListener("click", () =>
    act(
      exportGroup,
      () =>
        download(
          `?system=${encodeURIComponent(group.system)}&code=${encodeURIComponent(group.code)}`,
        ),
      explain,
    ),
  );
  const names = new Map(group.people.map((p) => [p.id, p]));
  return h(
    "article",
    { class: "card failure", dataset: { system: group.system, code: group.code } },
    h(
      "header",
      {},
      h("h2", {}, badge(group.system, "system"), " ", h("code", { text: group.code })),
      h("div", { class: "big", text: group.count }),
    ),
    h("p", { text: group.message }),
    h(
      "p",
      { class: "muted" },
      `${group.peopleCount} ${group.peopleCount === 1 ? "person" : "people"} affected · newest ${formatTime(group.latestAt)} · `,
      Object.entries(group.retry)
        .map(([state, n]) => `${n} ${RETRY_WORDS[state] ?? state}`)
        .join(", "),
    ),
    h("div", { class: "buttons" }, replayAll, exportGroup),
    h(
      "details",
      {},
      h("summary", { text: `Affected records (${group.letters.length})` }),
      h(
        "table",
        { class: "mini" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Person", "Record", "Write", "Attempts", "Last failed", ""].map((t) =>
              h("th", { text: t }),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          group.letters.map((letter) => {
            const person = names.get(letter.contactId);
            const replay = h("button", { type: "button" }, "Replay");
            replay.addEventListener("click", async () => {
              const done = await act(
                replay,
                () =>
                  api(`/v1/dead-letters/${encodeURIComponent(letter.id)}/replay`, {
                    method: "POST",
                    json: {},
                  }),
                explain,
              );
              if (done) {
                notify("ok", `Replayed the ${letter.operation} in ${letter.system}.`);
                reload();
              }
            });
            return h(
              "tr",
              { dataset: { letterId: letter.id } },
              h(
                "td",
                {},
                personLink(
                  letter.contactId,
                  person?.name ?? person?.email ?? shortId(letter.contactId),
                ),
              ),
              h("td", { class: "mono", text: `${letter.object} ${letter.externalId ?? "(new)"}` }),
              h("td", { text: letter.operation }),
              h("td", { text: letter.attempts }),
              h("td", { text: formatTime(letter.updatedAt) }),
              h("td", {}, replay),
            );
          }),
        ),
      ),
    ),
  );
}

export async function render(main) {
  async function draw() {
    const health = await api("/v1/sync-health");
    const exportAll = h("button", { type: "button" }, "Export all as CSV");
    exportAll.addEventListener("click", () => act(exportAll, () => download(""), explain));
    replace(
      main,
      h("h1", { text: "Sync health" }),
      h(
        "p",
        { class: "summary" },
        health.open === 0
          ? "No open failures: every write reached its system."
          : `${health.open} open ${health.open === 1 ? "failure" : "failures"} in ${health.groups.length} ${health.groups.length === 1 ? "group" : "groups"}${health.truncated ? " (the oldest are not counted)" : ""}.`,
        " ",
        health.open > 0 ? exportAll : null,
      ),
      h(
        "section",
        { class: "groups" },
        health.groups.map((g) =>
          groupCard(g, () => draw().catch((e) => notify("error", explain(e)))),
        ),
      ),
    );
  }
  await draw();
}
