/* QA alerts as qa raises them (its alert stream), newest on top. */

import { el, follow, t } from "/static/js/console.js";
import { secondsSince } from "/static/js/wallboard/clock.js";

const SHOWN = 50;
const TONE = { critical: "bad", warning: "warn" };

function clock(iso) {
  return new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

const isToday = (iso) => new Date(iso).toDateString() === new Date().toDateString();

function alertItem(alert) {
  const fresh = secondsSince(alert.at) < 60 ? "fresh" : "";
  return el("li", { class: `wb-alert ${fresh} ${TONE[alert.severity] || ""}`, "data-testid": "alert", "data-kind": alert.kind },
    el("div", { class: "row" },
      el("span", { class: `badge ${TONE[alert.severity] || ""}` }, t(`severity.${alert.severity}`)),
      el("strong", {}, t(`alert.${alert.kind}`)),
      el("time", { datetime: alert.at, class: "muted" }, clock(alert.at))),
    el("div", {}, alert.detail),
    el("small", { class: "muted" },
      alert.agent_id ? t("wb.alert_agent", { agent: alert.agent_id }) : t("wb.alert_no_agent"),
      " · ", t("wb.alert_conversation", { id: alert.conversation_id.slice(0, 8) })));
}

/** Follows qa's alerts from the start of the tenant's numbering; a reconnection's repeats are dropped. */
export function followAlerts(list, count, empty) {
  let lastSeq = 0;
  let today = 0;
  follow("qa", "/v1/alerts/stream", {
    alert(alert) {
      if (alert.seq <= lastSeq) return;
      lastSeq = alert.seq;
      today += isToday(alert.at) ? 1 : 0;
      list.prepend(alertItem(alert));
      while (list.children.length > SHOWN) list.lastElementChild.remove();
      count.textContent = String(today);
      empty.hidden = true;
    },
  });
}
