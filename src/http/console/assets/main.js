import { askToken, explain, forgetToken, storedToken } from "./api.js";
import { h, notify, replace } from "./dom.js";

const PAGES = {
  jobs: () => import("./pages/jobs.js"),
  health: () => import("./pages/health.js"),
  duplicates: () => import("./pages/duplicates.js"),
  search: () => import("./pages/search.js"),
  person: () => import("./pages/person.js"),
};

function drawSession() {
  const session = document.getElementById("session");
  if (storedToken()) {
    replace(
      session,
      h("span", { class: "muted" }, "Token set"),
      h("button", { type: "button", class: "link", onclick: forgetToken }, "Forget token"),
    );
  } else {
    replace(
      session,
      h(
        "button",
        { type: "button", class: "link", onclick: () => askToken("Enter the admin token.") },
        "Enter token",
      ),
    );
  }
}

async function start() {
  const dialog = document.getElementById("token-dialog");
  dialog
    .querySelector("[data-action=cancel]")
    .addEventListener("click", () => dialog.close("cancel"));
  document.addEventListener("tsunagu:token", drawSession);
  drawSession();
  const main = document.getElementById("page");
  const { page, ...params } = document.body.dataset;
  try {
    const module = await PAGES[page]();
    await module.render(main, params);
  } catch (error) {
    replace(main, h("p", { class: "muted" }, "This page could not be drawn."));
    notify("error", explain(error));
  } finally {
    main.setAttribute("aria-busy", "false");
    document.body.dataset.ready = "true";
  }
}

start();
