import { api, explain } from "../api.js";
import {
  act,
  badge,
  formatTime,
  h,
  notify,
  personLink,
  personName,
  replace,
  shortId,
} from "../dom.js";

const show = (v) => (v === null || v === undefined || v === "" ? "–" : String(v));

function attributesSection(contact) {
  const fields = Object.keys(contact.attributes)
    .filter((f) => show(contact.attributes[f]) !== "–")
    .sort();
  return h(
    "section",
    { class: "card", "aria-labelledby": "attributes" },
    h("h2", { id: "attributes", text: "Merged attributes" }),
    h(
      "table",
      { class: "mini" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Field", "Value", "From", "Since"].map((t) => h("th", { text: t })),
        ),
      ),
      h(
        "tbody",
        {},
        fields.map((field) => {
          const source = contact.fieldSources[field];
          return h(
            "tr",
            { dataset: { field } },
            h("th", { text: field }),
            h("td", { text: show(contact.attributes[field]) }),
            h("td", {}, source ? badge(source.system, "system") : "–"),
            h("td", { text: source && Date.parse(source.at) > 0 ? formatTime(source.at) : "–" }),
          );
        }),
      ),
    ),
  );
}

function recordsSection(contact, links) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "records" },
    h("h2", { id: "records", text: "Linked records" }),
    h(
      "ul",
      { class: "records" },
      contact.sources.map((s) => {
        const template = links[s.system];
        const url = template
          ?.replace("{object}", encodeURIComponent(s.object))
          .replace("{id}", encodeURIComponent(s.externalId));
        return h(
          "li",
          { dataset: { system: s.system } },
          badge(s.system, "system"),
          ` ${s.object} `,
          url
            ? h(
                "a",
                { href: url, class: "mono", rel: "noreferrer", target: "_blank" },
                s.externalId,
              )
            : h("span", { class: "mono", text: s.externalId }),
          h("span", { class: "muted", text: ` · synced ${formatTime(s.lastSyncedAt)}` }),
        );
      }),
    ),
  );
}

function statement(s) {
  return [
    `${s.state === "opted_in" ? "opted in" : "opted out"} via ${s.source}`,
    s.explicit ? "explicit" : "implicit",
    s.legalBasis ? `basis ${s.legalBasis}` : null,
    formatTime(s.occurredAt),
    [s.evidence?.kind, s.evidence?.ref].filter(Boolean).join(" "),
  ]
    .filter(Boolean)
    .join(" · ");
}

function consentSection(consent) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "consent" },
    h("h2", { id: "consent", text: "Consent" }),
    consent.length === 0
      ? h("p", { class: "muted" }, "No consent statements from any system.")
      : h(
          "table",
          { class: "mini" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Channel", "Purpose", "State", "Deciding statement"].map((t) =>
                h("th", { text: t }),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            consent.map((c) =>
              h(
                "tr",
                { dataset: { channel: c.channel, purpose: c.purpose ?? "" } },
                h("td", { text: c.channel }),
                h("td", { text: c.purpose ?? "whole channel" }),
                h("td", {}, badge(c.state.replace("_", " "), c.state)),
                h(
                  "td",
                  {},
                  h("span", { class: "decided", text: c.decidedBy ? statement(c.decidedBy) : "–" }),
                  h(
                    "details",
                    {},
                    h("summary", { text: `Trail (${c.trail.length})` }),
                    h(
                      "ol",
                      {},
                      c.trail.map((s) => h("li", { text: statement(s) })),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}

function scoreSection(score) {
  return h(
    "section",
    { class: "card score", "aria-labelledby": "score" },
    h("h2", { id: "score", text: "Score" }),
    h(
      "div",
      { class: "score-head" },
      h("span", { class: "big", dataset: { score: score.total }, text: score.total }),
      h("span", { class: `grade grade-${score.grade}`, text: score.grade }),
      h(
        "span",
        { class: "muted" },
        `fit ${score.fit} · engagement ${score.engagement} · ${score.lifecycleStage}`,
      ),
    ),
    score.rfm ? h("p", { text: `RFM: ${score.rfm.segment} (${score.rfm.code})` }) : null,
    h(
      "ul",
      { class: "reasons" },
      score.reasons.length === 0
        ? h("li", { class: "muted", text: "No rule gave points." })
        : score.reasons.map((r) =>
            h(
              "li",
              {},
              h("span", {
                class: r.points >= 0 ? "plus" : "minus",
                text: r.points >= 0 ? `+${r.points}` : r.points,
              }),
              ` ${r.rule}`,
            ),
          ),
    ),
  );
}

function engagementSection(events) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "engagement" },
    h("h2", { id: "engagement", text: "Engagement" }),
    events.results.length === 0
      ? h("p", { class: "muted" }, "Nothing recorded yet.")
      : h(
          "ol",
          { class: "timeline" },
          events.results.map((e) =>
            h(
              "li",
              {},
              h("time", { datetime: e.occurredAt, text: formatTime(e.occurredAt) }),
              " ",
              badge(e.system, "system"),
              ` ${e.type.replace(/_/g, " ")}`,
              e.title ? h("span", { class: "muted", text: ` · ${e.title}` }) : null,
            ),
          ),
        ),
  );
}

function mergesSection(contact, reload) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "merges" },
    h("h2", { id: "merges", text: "Merge history" }),
    contact.merges.length === 0
      ? h("p", { class: "muted" }, "Never merged with anyone.")
      : h(
          "ul",
          {},
          contact.merges.map((m) => {
            const undo = h("button", { type: "button" }, "Unmerge");
            undo.addEventListener("click", async () => {
              const done = await act(
                undo,
                () =>
                  api(
                    `/v1/contacts/${encodeURIComponent(contact.id)}/unmerge?mergeId=${encodeURIComponent(m.id)}`,
                    { method: "POST", json: {} },
                  ),
                explain,
              );
              if (done) {
                notify("ok", "Unmerged: both people exist again.");
                reload();
              }
            });
            return h(
              "li",
              { dataset: { mergeId: m.id } },
              `${formatTime(m.createdAt)} · ${m.reason} · merged `,
              personLink(m.mergedContactId),
              m.undoneAt
                ? h("span", { class: "muted", text: ` · undone ${formatTime(m.undoneAt)}` })
                : " ",
              m.undoneAt ? null : undo,
            );
          }),
        ),
  );
}

function eraseSection(contact, main) {
  const dialog = h("dialog", { "aria-labelledby": "erase-title" });
  const input = h("input", { name: "confirm", autocomplete: "off", "aria-label": "Type ERASE" });
  const confirm = h(
    "button",
    { type: "submit", class: "danger", disabled: true },
    "Erase everywhere",
  );
  input.addEventListener("input", () => {
    confirm.disabled = input.value.trim() !== "ERASE";
  });
  const systems = [...new Set(contact.sources.map((s) => s.system))].join(", ") || "no system";
  replace(
    dialog,
    h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          if (input.value.trim() !== "ERASE") return;
          const erasure = await act(
            confirm,
            () =>
              api(`/v1/contacts/${encodeURIComponent(contact.id)}/erase`, {
                method: "POST",
                json: {},
              }),
            explain,
          );
          dialog.close();
          if (erasure) showErasure(main, erasure);
        },
      },
      h("h2", { id: "erase-title", text: `Erase ${personName(contact)}?` }),
      h(
        "p",
        {},
        `This deletes the person in ${systems} and in the hub, and keeps only a tombstone so they are not imported again. It cannot be undone.`,
      ),
      h("label", {}, "Type ERASE to confirm ", input),
      h(
        "menu",
        {},
        confirm,
        h("button", { type: "button", onclick: () => dialog.close() }, "Keep this person"),
      ),
    ),
  );
  const open = h("button", { type: "button", class: "danger" }, "Erase this person…");
  open.addEventListener("click", () => {
    input.value = "";
    confirm.disabled = true;
    dialog.showModal();
    input.focus();
  });
  return h(
    "section",
    { class: "card danger-zone", "aria-labelledby": "erase" },
    h("h2", { id: "erase", text: "Erasure (GDPR / APPI)" }),
    open,
    dialog,
  );
}

function showErasure(main, erasure) {
  const table = h("tbody", {});
  const status = h("p", { class: "summary" });
  const draw = (e) => {
    status.textContent = `Erasure ${shortId(e.id)}: ${e.status}`;
    status.dataset.status = e.status;
    replace(
      table,
      e.systems.map((s) =>
        h(
          "tr",
          {},
          h("td", { text: `${s.system} ${s.object}` }),
          h("td", {}, badge(s.status)),
          h("td", { text: s.confirmedAt ? formatTime(s.confirmedAt) : "–" }),
          h("td", { text: s.lastError ?? "" }),
        ),
      ),
    );
  };
  draw(erasure);
  replace(
    main,
    h("h1", { text: "Person erased" }),
    status,
    h("table", { class: "mini" }, table),
    h("p", {}, h("a", { href: "/console" }, "Back to the console")),
  );
  const poll = async () => {
    try {
      const current = await api(`/v1/erasures/${encodeURIComponent(erasure.id)}`);
      draw(current);
      if (current.status === "running") setTimeout(poll, 1000);
    } catch (error) {
      notify("error", explain(error));
    }
  };
  if (erasure.status === "running") setTimeout(poll, 500);
}

export async function render(main, { id }) {
  async function draw() {
    const [contact, events, hub] = await Promise.all([
      api(`/v1/contacts/${encodeURIComponent(id)}`),
      api(`/v1/contacts/${encodeURIComponent(id)}/engagement?limit=50`),
      api("/v1/hub"),
    ]);
    document.title = `${personName(contact)} · tsunagu console`;
    replace(
      main,
      h(
        "header",
        { class: "person-head" },
        h("h1", { text: personName(contact) }),
        h(
          "p",
          { class: "muted mono" },
          `${contact.id} · created ${formatTime(contact.createdAt)} · updated ${formatTime(contact.updatedAt)}`,
        ),
      ),
      h(
        "div",
        { class: "person-grid" },
        attributesSection(contact),
        h(
          "div",
          { class: "stack" },
          scoreSection(contact.score),
          recordsSection(contact, hub.recordLinks),
          mergesSection(contact, reload),
        ),
        consentSection(contact.consent),
        engagementSection(events),
        eraseSection(contact, main),
      ),
    );
  }
  const reload = () => draw().catch((e) => notify("error", explain(e)));
  await draw();
}
