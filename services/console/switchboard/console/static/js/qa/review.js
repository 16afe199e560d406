/* After submission: the evaluated agent acknowledges the evaluation or disputes it with a reason. */

import { api, draft, el, me, onSubmit, showProblem, t } from "/static/js/console.js";

export function agentActions(evaluation, reload) {
  if (evaluation.status !== "submitted" || evaluation.agent_id !== me.subject || !me.has("agent")) return "";
  const acknowledge = el("button", { type: "button", class: "primary", "data-testid": "acknowledge" }, t("qa.eval.acknowledge"));
  acknowledge.addEventListener("click", async () => {
    try {
      await api("qa", `/v1/evaluations/${evaluation.id}/acknowledge`, { method: "POST" });
      await reload();
    } catch (error) {
      showProblem(form, error);
    }
  });
  const form = el("form", { class: "card", novalidate: true, "data-testid": "dispute-form" },
    el("h2", {}, t("qa.eval.your_evaluation")),
    el("div", { class: "form-error", role: "alert" }),
    el("div", { class: "row" }, acknowledge),
    el("label", {}, t("qa.eval.dispute_field"), el("textarea", { name: "reason", rows: 3 })),
    el("button", { type: "submit", class: "danger" }, t("qa.eval.dispute")));
  const reason = draft(form.elements.reason, `qa-dispute:${evaluation.id}`);
  onSubmit(form, async (data) => {
    await api("qa", `/v1/evaluations/${evaluation.id}/dispute`, { method: "POST", json: { reason: data.reason ?? "" } });
    reason.clear();
    await reload();
  });
  return form;
}
