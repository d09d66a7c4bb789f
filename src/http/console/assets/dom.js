/** Builds an element. Text is always set as text, never parsed as HTML. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function")
      el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    // Through the CSSOM: the console's CSP refuses style attributes.
    else if (key === "style") el.style.cssText = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export const shortId = (id) => (id ? String(id).slice(0, 8) : "");

export function personName(contact) {
  const a = contact?.attributes ?? {};
  const name = [a.firstName, a.lastName].filter(Boolean).join(" ");
  return name || a.email || contact?.id || "unknown person";
}

export const personLink = (id, label) =>
  h("a", { href: `/console/people/${encodeURIComponent(id)}` }, label ?? shortId(id));

export function badge(text, kind = text) {
  return h("span", { class: `badge badge-${String(kind).replace(/[^a-z_-]/gi, "")}`, text });
}

/** Shows a message in the page's alert region; errors stay until the next message. */
export function notify(kind, message) {
  const region = document.getElementById("notice");
  replace(
    region,
    h(
      "div",
      { class: `notice notice-${kind}` },
      h("span", { text: message }),
      h("button", { type: "button", class: "link", onclick: () => replace(region) }, "Dismiss"),
    ),
  );
}

export const clearNotice = () => replace(document.getElementById("notice"));

/** Runs an action from a button: disables it meanwhile, reports a failure in words. */
export async function act(button, action, explain) {
  button.disabled = true;
  try {
    return await action();
  } catch (error) {
    notify("error", explain(error));
    return undefined;
  } finally {
    button.disabled = false;
  }
}
