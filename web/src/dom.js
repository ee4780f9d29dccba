// A tiny DOM helper: h("p", {class: "x"}, "text", child) builds elements with text nodes only,
// so nothing from the API is ever parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(root, ...children) {
  root.replaceChildren(...children.flat().filter(Boolean));
}

/** An error box that says what to do. */
export function errorBox(error) {
  const code = error?.code ? ` (${error.code})` : "";
  return h("p", { class: "error", role: "alert" }, `${error?.message ?? error}${code}`);
}

export function link(href, ...children) {
  return h("a", { href }, ...children);
}
