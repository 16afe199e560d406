/* Small pieces the quality views share: labels of statuses and checks, badges, links. */

import { el, me, t } from "/static/js/console.js";

export const REVIEWER = () => me.has("admin", "supervisor");

const STATUS_TONE = { assigned: "warn", submitted: "ok", acknowledged: "ok", disputed: "bad", re_reviewed: "ok" };

export function statusBadge(status) {
  return el("span", { class: `badge ${STATUS_TONE[status] || ""}`, "data-testid": "status" }, t(`qa.status.${status}`));
}

export function sentimentBadge(value) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "–");
  const tone = value <= -0.3 ? "bad" : value >= 0.3 ? "ok" : "";
  return el("span", { class: `badge ${tone}`, title: t("qa.sentiment_hint") }, Number(value).toFixed(2));
}

export function checkBadge(check) {
  const tone = check.passed === true ? "ok" : check.passed === false ? "bad" : "";
  const verdict = check.passed === true ? t("qa.check.passed") : check.passed === false ? t("qa.check.failed")
    : t("qa.check.pending");
  return el("span", { class: `badge ${tone}`, title: check.detail || "", dataset: { check: check.check } },
    `${t(`qa.check.${check.check}`)}: ${verdict}`);
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "";
}

export function link(hash, text, attrs = {}) {
  return el("a", { href: hash, ...attrs }, text);
}

export function heading(title, ...actions) {
  return el("div", { class: "row view-head" }, el("h2", {}, title), el("span", { class: "spacer" }), ...actions);
}

/** Runs `task`; if it fails, `into` says why instead of the page throwing it away. */
export async function showing(into, task) {
  try {
    await task();
  } catch (error) {
    into.replaceChildren(el("p", { class: "form-error", role: "alert" }, error.message || String(error)));
  }
}
