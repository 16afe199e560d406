/* Queues live: the floor's totals, one row per queue, and agents by state (routing's live figures). */

import { duration, el, percent, t, table } from "/static/js/console.js";
import { levelBadge, orDash } from "/static/js/wallboard/format.js";

const STATES = ["available", "busy", "wrap_up", "not_ready", "logged_out"];

/** The service's per-queue ratios put back together over every queue (weighted by what they count). */
export function floorTotals(queues) {
  const sum = (pick) => queues.reduce((total, q) => total + pick(q), 0);
  const counted = (q) => q.answered + q.abandoned - q.short_abandons;
  const allCounted = sum(counted);
  const answered = sum((q) => q.answered);
  return {
    waiting: sum((q) => q.waiting),
    longest: Math.max(0, ...queues.map((q) => q.longest_wait_seconds)),
    offered: sum((q) => q.offered),
    answered,
    service_level: allCounted ? sum((q) => (q.service_level ?? 0) * counted(q)) / allCounted : null,
    abandon_rate: allCounted ? sum((q) => q.abandoned - q.short_abandons) / allCounted : null,
    asa_seconds: answered ? sum((q) => (q.asa_seconds ?? 0) * q.answered) / answered : null,
  };
}

function tile(key, label, value, tone = "") {
  return el("div", { class: `tile ${tone}`, "data-testid": `total-${key}` },
    el("div", { class: "label" }, label), el("div", { class: "big value" }, value));
}

export function renderTotals(box, stats) {
  const totals = floorTotals(stats.queues);
  const slaTarget = Math.min(1, ...stats.queues.map((q) => q.sla_target));
  const late = stats.queues.some((q) => q.waiting && q.longest_wait_seconds > q.sla_seconds);
  box.replaceChildren(
    tile("waiting", t("wb.waiting"), totals.waiting, totals.waiting ? "warn" : ""),
    tile("longest", t("wb.longest_wait"), duration(totals.longest), late ? "bad" : ""),
    tile("service-level", t("wb.service_level"), levelBadge(totals.service_level, slaTarget)),
    tile("asa", t("wb.asa"), orDash(totals.asa_seconds, duration)),
    tile("abandon-rate", t("wb.abandon_rate"), orDash(totals.abandon_rate, percent)),
    tile("offered", t("wb.offered"), totals.offered),
    tile("answered", t("wb.answered"), totals.answered),
    ...(stats.unrouted ? [tile("unrouted", t("wb.unrouted"), stats.unrouted, "bad")] : []),
  );
}

const QUEUE_COLUMNS = [
  { label: t("wb.queue"), render: (q) => el("strong", {}, q.name) },
  { label: t("wb.waiting"), render: (q) => el("span", { "data-testid": "waiting", class: "num" }, q.waiting) },
  {
    label: t("wb.longest_wait"),
    render: (q) => el("span", { class: q.waiting && q.longest_wait_seconds > q.sla_seconds ? "late" : "" },
      duration(q.longest_wait_seconds)),
  },
  { label: t("wb.offered"), render: (q) => q.offered },
  { label: t("wb.answered"), render: (q) => q.answered },
  { label: t("wb.abandoned"), render: (q) => q.abandoned },
  {
    label: t("wb.service_level"),
    render: (q) => el("span", { "data-testid": "service-level" }, levelBadge(q.service_level, q.sla_target),
      el("small", { class: "muted" }, ` ${t("wb.target", { target: percent(q.sla_target), seconds: q.sla_seconds })}`)),
  },
  { label: t("wb.asa"), render: (q) => orDash(q.asa_seconds, duration) },
  { label: t("wb.abandon_rate"), render: (q) => orDash(q.abandon_rate, percent) },
  { label: t("wb.aht"), render: (q) => orDash(q.aht_seconds, duration) },
];

export function renderQueues(box, stats) {
  const grid = table(QUEUE_COLUMNS, stats.queues, { testid: "queues", empty: t("wb.no_queues") });
  [...grid.tBodies[0].rows].forEach((row, i) => {
    const queue = stats.queues[i];
    if (!queue) return;
    row.dataset.testid = "queue-row";
    row.dataset.queueId = queue.queue_id;
  });
  box.replaceChildren(grid);
}

export function renderAgentStates(box, stats) {
  box.replaceChildren(...STATES.map((state) => el("div", { class: `tile state-${state}`, "data-testid": `agents-${state}` },
    el("div", { class: "label" }, t(`state.${state}`)),
    el("div", { class: "big value" }, stats.agents_by_state[state] || 0))));
}
