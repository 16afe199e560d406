/* One report on the page: its charts, its table and a "Download CSV" of the same rows. */

import { chart, downloadCsv, el, t, table } from "/static/js/console.js";

export function reportCard(report, data, query) {
  const download = el("button", { type: "button", "data-testid": "download-csv", disabled: !data.rows.length },
    t("action.download_csv"));
  download.addEventListener("click", () =>
    downloadCsv(`${report.id}-${query.from}-${query.to}.csv`, data.columns, data.rows));
  return [
    el("div", { class: "row report-head" }, el("h2", {}, t(report.title)), el("span", { class: "spacer" }), download),
    data.note ? el("p", { class: "muted" }, data.note) : "",
    el("div", { class: "report-body" },
      data.rows.length ? el("div", { class: "charts" }, data.charts.map(chart)) : "",
      el("div", { class: "table-wrap" }, table(data.columns, data.rows, { testid: `table-${report.id}` }))),
  ];
}
