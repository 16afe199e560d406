/* The quality page: the evaluation queue, contacts and their transcripts, the scorecard
 * editor, the evaluation form and calibration. One view at a time, chosen by the URL's hash
 * so a reload or a shared link opens the same view. */

import { el, t } from "/static/js/console.js";
import { showCalibrations } from "/static/js/qa/calibration.js";
import { showContact, showContacts } from "/static/js/qa/contacts.js";
import { showEvaluation } from "/static/js/qa/evaluation.js";
import { showQueue } from "/static/js/qa/queue.js";
import { showRules } from "/static/js/qa/rules.js";
import { showEditor, showScorecards } from "/static/js/qa/scorecards.js";

const view = document.getElementById("qa-view");

const ROUTES = [
  [/^#\/evaluations\/([\w-]+)$/, "evaluations", showEvaluation],
  [/^#\/contacts\/([\w-]+)$/, "contacts", showContact],
  [/^#\/contacts$/, "contacts", showContacts],
  [/^#\/scorecards\/new$/, "scorecards", (into) => showEditor(into, null)],
  [/^#\/scorecards\/([\w-]+)$/, "scorecards", showEditor],
  [/^#\/scorecards$/, "scorecards", showScorecards],
  [/^#\/calibrations(?:\/([\w-]+))?$/, "calibrations", showCalibrations],
  [/^#\/rules$/, "rules", showRules],
  [/^.*$/, "evaluations", showQueue],
];

async function route() {
  const [pattern, tab, show] = ROUTES.find(([re]) => re.test(location.hash));
  const [, ...args] = location.hash.match(pattern);
  document.querySelectorAll("[data-tab]").forEach((link) => {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  view.replaceChildren(el("p", { class: "muted" }, t("qa.loading")));
  try {
    await show(view, ...args.filter((a) => a !== undefined));
  } catch (error) {
    view.replaceChildren(el("p", { class: "form-error", role: "alert", "data-testid": "view-error" },
      error.message || String(error)));
  }
}

window.addEventListener("hashchange", route);
route();
