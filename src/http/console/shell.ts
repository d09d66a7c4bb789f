import { html } from "hono/html";

export type ConsolePage = "jobs" | "health" | "duplicates" | "search" | "person";

const NAV: { page: ConsolePage; href: string; label: string }[] = [
  { page: "jobs", href: "/console", label: "Runs and jobs" },
  { page: "health", href: "/console/health", label: "Sync health" },
  { page: "duplicates", href: "/console/duplicates", label: "Duplicates" },
];

const TITLES: Record<ConsolePage, string> = {
  jobs: "Runs and jobs",
  health: "Sync health",
  duplicates: "Duplicates",
  search: "Search",
  person: "Person",
};

/**
 * The page every console URL answers: navigation, the token dialog and an empty <main>
 * that the client script fills from the JSON API. No data is rendered on the server.
 */
export function consoleShell(page: ConsolePage, params: Record<string, string> = {}) {
  const data = Object.entries(params).map(([k, v]) => html` data-${k}="${v}"`);
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${TITLES[page]} · tsunagu console</title>
    <link rel="stylesheet" href="/console/assets/console.css" />
    <script type="module" src="/console/assets/main.js"></script>
  </head>
  <body data-page="${page}"${data}>
    <header class="top">
      <a class="brand" href="/console">tsunagu <span>console</span></a>
      <nav aria-label="Console">
        ${NAV.map(
          (n) =>
            html`<a href="${n.href}"${n.page === page ? html` aria-current="page"` : ""}>${n.label}</a>`,
        )}
        <a href="/docs">API docs</a>
      </nav>
      <form class="search" action="/console/search" role="search">
        <input type="search" name="q" placeholder="Email, name or record id" aria-label="Search people" />
      </form>
      <div class="session" id="session"></div>
    </header>
    <div id="notice" role="alert" aria-live="assertive"></div>
    <main id="page" aria-busy="true"><p class="muted">Loading…</p></main>
    <dialog id="token-dialog" aria-labelledby="token-title">
      <form method="dialog">
        <h2 id="token-title">Admin token</h2>
        <p id="token-reason"></p>
        <label>Token <input type="password" name="token" autocomplete="off" /></label>
        <p class="muted">Kept in this tab only (sessionStorage) and sent as a bearer token to /v1.</p>
        <menu>
          <button value="ok" type="submit" class="primary">Use token</button>
          <button value="cancel" type="button" data-action="cancel">Cancel</button>
        </menu>
      </form>
    </dialog>
  </body>
</html>`;
}
