/* A contact's transcript as qa stored it: already redacted, each line with its sentiment. */

import { el, t, when } from "/static/js/console.js";
import { checkBadge, sentimentBadge } from "/static/js/qa/common.js";

export function contactSummary(contact) {
  return el("div", { class: "contact-summary", "data-testid": "contact-summary" },
    el("div", { class: "tiles" },
      tile(t("qa.channel"), t(`qa.channel.${contact.channel}`)),
      tile(t("qa.agent"), contact.agent_id || "–"),
      tile(t("qa.sentiment"), sentimentBadge(contact.sentiment), "sentiment"),
      tile(t("qa.opened"), when(contact.opened_at))),
    el("p", { class: "row" },
      contact.growing_angrier ? el("span", { class: "badge bad", "data-testid": "angrier" }, t("qa.growing_angrier")) : "",
      contact.sensitive_data ? el("span", { class: "badge warn" }, t("qa.sensitive_data")) : "",
      ...contact.checks.map(checkBadge)));
}

function tile(label, value, testid) {
  return el("div", { class: "tile", "data-testid": testid }, el("div", { class: "label" }, label), el("div", {}, value));
}

export function transcript(contact) {
  const lines = contact.messages.map((m) => el("li", { class: `line ${m.role}`, "data-testid": "line" },
    el("div", { class: "line-head" },
      el("strong", {}, m.role === "agent" ? m.agent_id || t("qa.role.agent") : t(`qa.role.${m.role}`)),
      el("span", { class: "muted" }, when(m.at)),
      m.role === "customer" ? sentimentBadge(m.sentiment) : "",
      ...Object.entries(m.redactions || {}).map(([kind, n]) =>
        el("span", { class: "badge warn", title: t("qa.redacted_hint") }, t("qa.redacted", { kind: t(`qa.redaction.${kind}`), n })))),
    el("p", { class: "line-text" }, m.text)));
  return el("section", { class: "card transcript" }, el("h2", {}, t("qa.transcript")),
    lines.length ? el("ol", { class: "lines", "data-testid": "transcript" }, lines)
      : el("p", { class: "muted" }, t("qa.no_lines")));
}
