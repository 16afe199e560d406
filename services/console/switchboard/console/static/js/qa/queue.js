/* The evaluation queue: an evaluator's open sheets first; reviewers filter the whole tenant's. */

import { api, el, me, t, table, when } from "/static/js/console.js";
import { REVIEWER, heading, link, shortId, showing, statusBadge } from "/static/js/qa/common.js";

const STATUSES = ["assigned", "submitted", "acknowledged", "disputed", "re_reviewed"];

export async function showQueue(view) {
  const filters = el("form", { class: "row filters", "data-testid": "queue-filters" },
    el("label", { class: "inline" }, t("qa.queue.status"), el("select", { name: "status" },
      el("option", { value: "" }, t("qa.queue.any_status")),
      STATUSES.map((s) => el("option", { value: s, selected: s === "assigned" }, t(`qa.status.${s}`))))),
    el("label", { class: "inline" }, t("qa.queue.evaluator"),
      el("input", { name: "evaluator_id", value: REVIEWER() ? "" : me.subject, placeholder: t("qa.queue.everyone") })),
    el("button", { type: "submit" }, t("action.refresh")));
  const list = el("div", { "data-testid": "queue" });
  view.replaceChildren(el("section", { class: "card" }, heading(t("qa.queue.title")), filters, list));
  const load = async () => {
    const params = new URLSearchParams({ limit: "200" });
    for (const name of ["status", "evaluator_id"]) {
      const value = filters.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    list.replaceChildren(evaluationsTable(await api("qa", `/v1/evaluations?${params}`)));
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); showing(list, load); });
  filters.elements.status.addEventListener("change", () => showing(list, load));
  await load();
  refreshWhileShown(list, load);
}

const REFRESH_MS = 30_000;

/** Contacts sampled by qa join the queue by themselves: read it again while it is on screen. */
function refreshWhileShown(list, load) {
  const timer = setInterval(() => {
    if (!list.isConnected) clearInterval(timer);
    else if (document.visibilityState === "visible") showing(list, load);
  }, REFRESH_MS);
}

export function evaluationsTable(rows) {
  return table([
    { key: "conversation_id", label: t("qa.contact"), render: (e) => link(`#/evaluations/${e.id}`, shortId(e.conversation_id),
      { "data-testid": "open-evaluation", dataset: { conversation: e.conversation_id } }) },
    { key: "channel", label: t("qa.channel"), render: (e) => t(`qa.channel.${e.channel}`) },
    { key: "agent_id", label: t("qa.agent") },
    { key: "evaluator_id", label: t("qa.queue.evaluator") },
    { key: "reason", label: t("qa.queue.reason"), render: (e) => t(`qa.reason.${e.reason}`) },
    { key: "status", label: t("qa.queue.status"), render: (e) => statusBadge(e.status) },
    { key: "score", label: t("qa.score"), render: (e) => (e.score === null ? "–" : e.score) },
    { key: "assigned_at", label: t("qa.queue.assigned_at"), render: (e) => when(e.assigned_at) },
  ], rows, { testid: "evaluations", empty: t("qa.queue.empty") });
}
