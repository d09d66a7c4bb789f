import { api } from "../api.js";
import { badge, h, personLink, personName, replace } from "../dom.js";

const HOW = { contact: "contact id", email: "email", record: "record id", name: "name" };

export async function render(main) {
  const q = new URLSearchParams(location.search).get("q")?.trim() ?? "";
  const box = document.querySelector("form.search input[name=q]");
  if (box) box.value = q;
  if (!q) {
    replace(
      main,
      h("h1", { text: "Search" }),
      h(
        "p",
        { class: "muted" },
        "Search by email, name, or a HubSpot, Salesforce or Marketo record id.",
      ),
    );
    return;
  }
  const found = await api(`/v1/search?q=${encodeURIComponent(q)}&limit=50`);
  replace(
    main,
    h("h1", { text: `Search: ${q}` }),
    h(
      "p",
      { class: "summary" },
      found.results.length === 0
        ? "Nobody found."
        : `${found.results.length} ${found.results.length === 1 ? "person" : "people"} found.`,
      found.complete ? "" : ` The name search stopped after ${found.scanned} people.`,
    ),
    found.results.length === 0
      ? null
      : h(
          "table",
          { class: "results", "aria-label": "Search results" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Person", "Email", "Records", "Matched by"].map((t) => h("th", { text: t })),
            ),
          ),
          h(
            "tbody",
            {},
            found.results.map(({ contact, matchedBy }) =>
              h(
                "tr",
                { dataset: { contactId: contact.id } },
                h("td", {}, personLink(contact.id, personName(contact))),
                h("td", { text: contact.attributes.email ?? "–" }),
                h(
                  "td",
                  {},
                  contact.sources.map((s) => [badge(s.system, "system"), " "]),
                ),
                h("td", { text: HOW[matchedBy] ?? matchedBy }),
              ),
            ),
          ),
        ),
  );
}
