/* Contact lists: a CSV file uploaded as it is, or a list built from a profile segment; the
 * service's report (accepted, duplicates, suppressed, each rejected row) shown after either. */

import { api, el, table, t } from "../console.js";
import { submitTo } from "./problems.js";

function tile(testid, name, value) {
  return el("div", { class: "tile", "data-testid": testid },
    el("div", { class: "label" }, name), el("div", { class: "big" }, value));
}

export function showReport(box, report) {
  const counts = el("div", { class: "tiles" },
    tile("list-accepted", t("lists.accepted"), report.accepted),
    tile("list-duplicates", t("lists.duplicates"), report.duplicates),
    tile("list-suppressed", t("lists.suppressed"), report.suppressed),
    tile("list-rejected", t("lists.rejected"), report.rejected.length));
  const rejected = report.rejected.length
    ? [el("h3", {}, t("lists.rejected_rows")),
      table([{ key: "line", label: t("lists.line") }, { key: "reason", label: t("lists.reason") }],
        report.rejected, { testid: "rejected-rows" })]
    : [];
  box.replaceChildren(el("p", { class: "muted" }, t("lists.report_for", { name: report.name })), counts, ...rejected);
}

/** Wires both list forms for the campaign `current()` returns; `changed()` after a list is stored. */
export function setUpListForms({ upload, segment, report, current, changed }) {
  submitTo(upload, async (data, form) => {
    const file = form.elements.file.files[0];
    if (!file) throw new Error(t("lists.no_file"));
    const name = data.name || file.name.replace(/\.csv$/i, "") || "upload";
    const path = `/v1/campaigns/${current().id}/lists?name=${encodeURIComponent(name)}`;
    const stored = await api("campaign", path, { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
    form.reset();
    showReport(report, stored);
    changed();
  });
  submitTo(segment, async (data, form) => {
    const stored = await api("campaign", `/v1/campaigns/${current().id}/lists/segment`, {
      method: "POST", json: { segment: data.segment ?? "", ...(data.name ? { name: data.name } : {}) },
    });
    form.reset();
    showReport(report, stored);
    changed();
  });
}
