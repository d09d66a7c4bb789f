const TOKEN_KEY = "tsunagu.adminToken";

/** A failed call, carrying the problem+json body (RFC 9457) the hub answered with. */
export class ProblemError extends Error {
  constructor(problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

export const storedToken = () => sessionStorage.getItem(TOKEN_KEY);

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent("tsunagu:token"));
}

let asking;
/** Opens the token dialog; resolves to the token, or null when the person cancels. */
export function askToken(reason) {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const input = dialog.querySelector("input[name=token]");
  dialog.querySelector("#token-reason").textContent = reason;
  input.value = "";
  dialog.returnValue = "";
  asking = new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        asking = undefined;
        const token = dialog.returnValue === "ok" ? input.value.trim() : "";
        if (token) sessionStorage.setItem(TOKEN_KEY, token);
        document.dispatchEvent(new CustomEvent("tsunagu:token"));
        resolve(token || null);
      },
      { once: true },
    );
  });
  dialog.showModal();
  input.focus();
  return asking;
}

const refused = (detail) =>
  new ProblemError({ type: "about:blank", title: "Unauthorized", status: 401, detail });

async function problemOf(response) {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      // fall through to a problem made from the status
    }
  }
  return { type: "about:blank", title: response.statusText || "Error", status: response.status };
}

async function tokenFor(reason) {
  return storedToken() ?? (await askToken(reason));
}

/**
 * Calls the hub's JSON API with the admin token (asked for once per tab). A 401 forgets the
 * token and asks again once; without a token nothing is sent and the call is refused.
 */
export async function api(path, { method = "GET", json, body, headers = {}, raw = false } = {}) {
  const changes = method !== "GET";
  let token = await tokenFor(
    changes
      ? "This action changes data: enter the admin token to go on."
      : "Enter the admin token to read from the hub.",
  );
  for (let attempt = 0; ; attempt++) {
    if (!token) throw refused("no admin token was given, so nothing was sent");
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json, application/problem+json, text/csv",
        ...(json !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: json !== undefined ? JSON.stringify(json) : body,
    });
    if (response.status === 401 && attempt === 0) {
      forgetToken();
      token = await askToken("The hub did not accept that admin token. Enter it again.");
      continue;
    }
    if (!response.ok) throw new ProblemError(await problemOf(response));
    if (raw) return response;
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  }
}

/** Uploads a form with progress (fetch reports none for uploads), through the same token rules. */
export async function upload(path, form, onProgress) {
  const token = await tokenFor("Uploading changes data: enter the admin token to go on.");
  if (!token) throw refused("no admin token was given, so nothing was sent");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener("load", () => {
      let body;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      if (xhr.status === 401) forgetToken();
      reject(new ProblemError(body ?? { title: xhr.statusText, status: xhr.status }));
    });
    xhr.addEventListener("error", () =>
      reject(
        new ProblemError({ title: "Network error", status: 0, detail: "the hub did not answer" }),
      ),
    );
    xhr.send(form);
  });
}

const FIELD_NAMES = {
  authorization: "the admin token",
  system: "the system",
  since: "the start date",
  mapping: "the CSV mapping",
  file: "the file",
  body: "the request",
  id: "this item",
  mergeId: "this merge",
  q: "the search",
  code: "the error code",
};

/** A problem as a sentence a person can act on. */
export function explain(error) {
  if (!(error instanceof ProblemError))
    return `Something went wrong in the console: ${error?.message ?? error}`;
  const p = error.problem;
  const about = p.field ? ` (about ${FIELD_NAMES[p.field] ?? p.field})` : "";
  const detail = p.detail ? `: ${p.detail}` : "";
  switch (p.status) {
    case 0:
      return "The hub did not answer. Is it still running?";
    case 401:
      return `Refused: this needs the admin token${detail}.`;
    case 404:
      return `Not found${detail}.`;
    case 409:
      return `Already changed by someone or something else${detail}. Reload to see the current state.`;
    case 413:
      return `The file is too large${detail}.`;
    default:
      if (p.status >= 500)
        return `The hub failed (${p.status} ${p.title})${detail}. Check its log.`;
      return `${p.title}${about}${detail}.`;
  }
}
