/* Calibration: several evaluators score the same contact; the questions they disagree on most. */

import { api, el, onSubmit, t, table } from "/static/js/console.js";
import { heading } from "/static/js/qa/common.js";
import { evaluationsTable } from "/static/js/qa/queue.js";

export async function showCalibrations(view, calibrationId) {
  const cards = await api("qa", "/v1/scorecards");
  const start = el("form", { class: "card", novalidate: true, "data-testid": "calibration-form" },
    el("h2", {}, t("qa.calibration.start")),
    el("div", { class: "form-error", role: "alert" }),
    el("label", {}, t("qa.calibration.conversation"), el("input", { name: "conversation_id" })),
    el("label", {}, t("qa.assign.scorecard"), el("select", { name: "scorecard_id" },
      cards.map((c) => el("option", { value: c.id }, `${c.name} (v${c.version})`)))),
    el("label", {}, t("qa.calibration.evaluators"), el("input", { name: "evaluator_ids", placeholder: "evaluator, supervisor" })),
    el("button", { type: "submit", class: "primary" }, t("qa.calibration.submit")));
  onSubmit(start, async (data) => {
    const made = await api("qa", "/v1/calibrations", { method: "POST", json: {
      conversation_id: data.conversation_id ?? "", scorecard_id: data.scorecard_id ?? "",
      evaluator_ids: (data.evaluator_ids ?? "").split(/[,，\s]+/).filter(Boolean) } });
    location.hash = `#/calibrations/${made.calibration_id}`;
  });
  const open = el("form", { class: "row" },
    el("label", { class: "inline" }, t("qa.calibration.open"), el("input", { name: "id", value: calibrationId || "" })),
    el("button", { type: "submit" }, t("qa.calibration.show")));
  open.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/calibrations/${open.elements.id.value.trim()}`;
  });
  const report = calibrationId ? reportOf(await api("qa", `/v1/calibrations/${calibrationId}`)) : "";
  view.replaceChildren(heading(t("qa.tab.calibrations")), el("div", { class: "cols" }, start,
    el("section", { class: "card" }, open, report)));
}

function reportOf(calibration) {
  const spread = calibration.score_spread === null ? "–" : calibration.score_spread;
  return el("div", { "data-testid": "calibration-report" },
    el("p", {}, t("qa.calibration.summary", { submitted: calibration.submitted,
      total: calibration.evaluations.length, spread })),
    evaluationsTable(calibration.evaluations),
    table([
      { key: "key", label: t("qa.calibration.question") },
      { key: "values", label: t("qa.calibration.values"), render: (q) => q.values.map((v) => (v === null ? "n/a" : v)).join(" · ") },
      { key: "spread", label: t("qa.calibration.spread") },
      { key: "stdev", label: t("qa.calibration.stdev") },
      { key: "agree", label: t("qa.calibration.agree"), render: (q) => el("span", { class: `badge ${q.agree ? "ok" : "bad"}` },
        q.agree ? t("qa.answer.yes") : t("qa.answer.no")) },
    ], calibration.questions, { testid: "calibration-questions" }));
}
