/* Reports: each one a chart, a table and its CSV, over the date range of the filter.
 * The figures are the services' own (qa's reports and KPIs, routing's intervals); the
 * page only draws them. A report the user's role cannot read is not shown. */

import { el, me, showProblem, t } from "/static/js/console.js";
import { reportCard } from "/static/js/reports/card.js";
import { REPORTS } from "/static/js/reports/definitions.js";
import { defaultRange, rangeOf } from "/static/js/reports/range.js";

const filter = document.getElementById("report-filter");
const container = document.getElementById("reports");

function initialFilter() {
  const saved = new URLSearchParams(location.hash.slice(1));
  const { from, to } = defaultRange();
  filter.elements.from.value = saved.get("from") || from;
  filter.elements.to.value = saved.get("to") || to;
  filter.elements.group_by.value = saved.get("group_by") || "agent";
  filter.elements.topics_period.value = saved.get("topics_period") || "day";
}

async function showReports() {
  const values = Object.fromEntries(["from", "to", "group_by", "topics_period"].map((n) => [n, filter.elements[n].value]));
  let range;
  try {
    range = rangeOf(values.from, values.to);
  } catch (error) {
    showProblem(filter, error);
    return;
  }
  history.replaceState(null, "", `#${new URLSearchParams(values)}`);
  const query = { ...range, groupBy: values.group_by, topicsPeriod: values.topics_period };
  const visible = REPORTS.filter((report) => !report.roles || me.has(...report.roles));
  container.replaceChildren(...visible.map((report) => {
    const slot = el("section", { class: "card report", "data-report": report.id, "data-testid": `report-${report.id}` },
      el("h2", {}, t(report.title)), el("p", { class: "muted" }, t("reports.loading")));
    load(report, query, slot);
    return slot;
  }));
}

async function load(report, query, slot) {
  try {
    slot.replaceChildren(...reportCard(report, await report.load(query), query));
  } catch (error) {
    slot.replaceChildren(el("h2", {}, t(report.title)),
      el("p", { class: "form-error", role: "alert" }, error.message || String(error)));
  }
}

filter.addEventListener("submit", (event) => {
  event.preventDefault();
  showReports();
});
initialFilter();
showReports();
