import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const SCREENSHOTS = resolve(import.meta.dirname, "../../docs/screenshots");

/**
 * Debian's Chromium, headless. Without the background-networking flags Chromium reaches
 * for Google's hosts at start, which a closed network refuses. Playwright gives every
 * launch a fresh, empty profile (user data dir) of its own.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Every request that left the hub's origin (a CDN, say); the console must make none. */
  offsite: string[];
  /** Uncaught errors and console errors (a CSP refusal is one), per page. */
  errors: string[];
  page(): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(hubUrl: string): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({
    baseURL: hubUrl,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
  });
  const offsite: string[] = [];
  const errors: string[] = [];
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${hubUrl}/`) && !/^(data|blob):/.test(url)) offsite.push(url);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    context,
    offsite,
    errors,
    async page() {
      const page = await context.newPage();
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        // A refused API call is logged by Chromium as a failed resource; those are expected.
        if (message.type() === "error" && !/status of (401|404|409)/.test(message.text()))
          errors.push(`console: ${message.text()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

/** Opens a console page and waits until its script has drawn it. */
export async function openConsole(page: Page, path: string) {
  await page.goto(path);
  await page.waitForSelector("body[data-ready=true]");
}

/** Enters the admin token in the console's dialog. */
export async function enterToken(page: Page, token: string) {
  const dialog = page.locator("#token-dialog");
  await dialog.waitFor({ state: "visible" });
  await dialog.locator("input[name=token]").fill(token);
  await dialog.getByRole("button", { name: "Use token" }).click();
}

export async function screenshot(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`), fullPage });
}
