/* What every console page shares: messages, calls to the services through /api,
 * problem+json shown next to the form fields, signing in again when the session
 * has expired (nothing typed is lost), live streams, tables, charts and CSV. */

const MESSAGES = window.SB_MESSAGES || {};
const body = document.body;

export const me = {
  subject: body.dataset.subject || "",
  tenant: body.dataset.tenant || "",
  roles: (body.dataset.roles || "").split(",").filter(Boolean),
  lang: body.dataset.lang || "en",
  has(...roles) { return roles.some((r) => this.roles.includes(r)); },
};

/** The message for `key` in the page's language, with {name} filled from `vars`. */
export function t(key, vars = {}) {
  const text = MESSAGES[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls `service` at `path` as the signed-in user; JSON in, JSON out; throws ApiError. */
export async function api(service, path, { method = "GET", json, body: raw, headers = {}, text = false } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (method !== "GET") init.headers["X-Console"] = "1";
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (raw !== undefined) {
    init.body = raw;
  }
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`/api/${service}${path}`, init);
    if (response.status === 401 && attempt === 0) {
      await signInAgain();
      continue;
    }
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    const payload = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      throw new ApiError(response.status, typeof payload === "object" ? payload : { detail: payload });
    }
    return text && typeof payload !== "string" ? JSON.stringify(payload) : payload;
  }
}

/* ---- forms ---- */

/** The form's fields as an object: numbers for type=number, booleans for checkboxes, empty left out. */
export function formData(form) {
  const data = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.type === "submit") continue;
    if (field.type === "checkbox") data[field.name] = field.checked;
    else if (field.type === "number") { if (field.value !== "") data[field.name] = Number(field.value); }
    else if (field.multiple) data[field.name] = [...field.selectedOptions].map((o) => o.value);
    else if (field.value !== "") data[field.name] = field.value;
  }
  return data;
}

export function clearProblems(form) {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  const top = form.querySelector(".form-error");
  if (top) top.textContent = "";
}

function fieldFor(form, name) {
  const parts = String(name || "").split(".");
  for (let i = 0; i < parts.length; i += 1) {
    const candidate = parts.slice(i).join(".");
    const found = form.querySelector(`[name="${CSS.escape(candidate)}"]`)
      || form.querySelector(`[name="${CSS.escape(parts[i])}"]`);
    if (found) return found;
  }
  return null;
}

/** Puts each of the service's errors next to its field; what names no field goes on top. */
export function showProblem(form, error) {
  clearProblems(form);
  const problem = error instanceof ApiError ? error.problem : { detail: String(error.message || error) };
  const unplaced = [];
  for (const item of problem.errors || []) {
    const field = fieldFor(form, item.field);
    if (!field) { unplaced.push(item.field ? `${item.field}: ${item.message}` : item.message); continue; }
    field.setAttribute("aria-invalid", "true");
    const note = el("div", { class: "field-error", role: "alert" }, item.message);
    (field.closest("label") || field).after(note);
  }
  const top = form.querySelector(".form-error");
  if (top && (unplaced.length || !(problem.errors || []).length)) {
    top.textContent = unplaced.length ? unplaced.join("; ") : (problem.detail || problem.title || "");
  }
}

/** Runs `handler(data, form)` on submit; its ApiError is shown on the form. */
export function onSubmit(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems(form);
    const button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    try {
      await handler(formData(form), form);
    } catch (error) {
      showProblem(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

/** Keeps what is typed in `field` across reloads and sign-ins, until `clear()`. */
export function draft(field, key) {
  const storeKey = `sb-draft:${me.tenant}:${me.subject}:${key}`;
  const saved = localStorage.getItem(storeKey);
  if (saved !== null && !field.value) field.value = saved;
  const save = () => (field.value ? localStorage.setItem(storeKey, field.value) : localStorage.removeItem(storeKey));
  field.addEventListener("input", save);
  return { clear() { localStorage.removeItem(storeKey); field.value = ""; } };
}

/* ---- the session ---- */

let reauth = null;

/** Shows the sign-in dialog on the page itself; resolves once signed in again. */
export function signInAgain() {
  if (reauth) return reauth;
  const dialog = document.getElementById("session-expired");
  const form = document.getElementById("reauth-form");
  if (!dialog || !form || !me.subject) {
    window.location.href = `/sign-in?next=${encodeURIComponent(location.pathname)}`;
    return new Promise(() => {});
  }
  reauth = new Promise((resolve) => {
    const submit = async (event) => {
      event.preventDefault();
      clearProblems(form);
      const response = await fetch("/session", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(formData(form)),
      });
      if (!response.ok) { showProblem(form, new ApiError(response.status, await response.json())); return; }
      form.removeEventListener("submit", submit);
      dialog.close();
      reauth = null;
      resolve();
    };
    form.addEventListener("submit", submit);
    dialog.showModal();
  });
  return reauth;
}

document.getElementById("sign-out")?.addEventListener("click", async () => {
  await fetch("/session", { method: "DELETE" });
  window.location.href = "/sign-in";
});

/* ---- live streams ---- */

/** Follows a service's server-sent events; reconnects, and asks to sign in again if the session ended. */
export function follow(service, path, handlers) {
  let source = null;
  let stopped = false;
  const open = () => {
    source = new EventSource(`/api/${service}${path}`);
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handle(JSON.parse(event.data)));
    }
    source.onerror = async () => {
      source.close();
      if (stopped) return;
      const session = await fetch("/session");
      if (session.status === 401) await signInAgain();
      setTimeout(open, 1000);
    };
  };
  open();
  return { close() { stopped = true; source?.close(); } };
}

/* ---- building the page ---- */

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A table of `rows`; each column is {key, label, render?(row)}. */
export function table(columns, rows, { empty = t("table.empty"), testid } = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)));
  const lines = rows.map((row) => el("tr", {}, columns.map((c) => el("td", {}, c.render ? c.render(row) : row[c.key] ?? ""))));
  if (!rows.length) lines.push(el("tr", {}, el("td", { colspan: columns.length, class: "muted" }, empty)));
  return el("table", { class: "grid", "data-testid": testid }, el("thead", {}, head), el("tbody", {}, lines));
}

export function csv(columns, rows) {
  const cell = (value) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map((c) => cell(c.label)), ...rows.map((r) => columns.map((c) => cell(r[c.key])))]
    .map((line) => line.join(",")).join("\r\n") + "\r\n";
}

/** Offers `rows` as a CSV file (with a BOM so spreadsheet programs read Chinese right). */
export function downloadCsv(filename, columns, rows) {
  const blob = new Blob(["\ufeff", csv(columns, rows)], { type: "text/csv;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * A bar chart (grouped) of `labels` and `series` = [{name, values, color}], or lines with `kind: "line"`.
 * Plain SVG, no library; the title and legend read as text for screen readers and tests.
 */
export function chart({ title, labels, series, kind = "bar", max, height = 180, width = 640, unit = "" }) {
  const top = max ?? Math.max(1, ...series.flatMap((s) => s.values.map((v) => Number(v) || 0)));
  const left = 36, bottom = 22, plotW = width - left - 8, plotH = height - bottom - 8;
  const x = (i) => left + (plotW * (i + 0.5)) / Math.max(1, labels.length);
  const y = (v) => 8 + plotH - (plotH * (Number(v) || 0)) / top;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  root.append(svg("title", {}, title));
  for (const tick of [0, top / 2, top]) {
    root.append(svg("line", { x1: left, x2: width - 8, y1: y(tick), y2: y(tick), class: "axis" }),
      svg("text", { x: left - 4, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, `${Math.round(tick * 10) / 10}${unit}`));
  }
  const every = Math.ceil(labels.length / 12);
  labels.forEach((label, i) => {
    if (i % every === 0) root.append(svg("text", { x: x(i), y: height - 6, "text-anchor": "middle", class: "tick" }, label));
  });
  const slot = plotW / Math.max(1, labels.length);
  series.forEach((s, n) => {
    if (kind === "line") {
      const points = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
      root.append(svg("polyline", { points, fill: "none", stroke: s.color, "stroke-width": 2 }));
    } else {
      const barW = Math.max(1, (slot * 0.8) / series.length);
      s.values.forEach((v, i) => root.append(svg("rect", {
        x: left + slot * i + slot * 0.1 + barW * n, y: y(v), width: barW, height: 8 + plotH - y(v), fill: s.color,
      }, svg("title", {}, `${s.name} ${labels[i]}: ${v}`))));
    }
  });
  const legend = el("div", { class: "legend" }, series.map((s) => el("span", {}, el("i", { style: `background:${s.color}` }), s.name)));
  return el("figure", { class: "chart-box" }, el("figcaption", {}, title), root, legend);
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

export function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(me.lang === "zh" ? "zh-CN" : "en-GB", { dateStyle: "short", timeStyle: "medium" });
}

export function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(Number(value) * 1000) / 10}%`;
}
