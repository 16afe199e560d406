/* Today's 15-minute intervals: contacts offered against answered, and the service level. */

import { api, chart, el, t } from "/static/js/console.js";

const QUARTER_MS = 15 * 60 * 1000;
const SHOWN_AT_LEAST = 8; // two hours, so a quiet morning still reads as a time line

function quarterOf(ms) {
  return Math.floor(ms / QUARTER_MS) * QUARTER_MS;
}

function label(ms) {
  return new Date(ms).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** One slot per interval from the first with contacts (or two hours ago) to now, all queues added up. */
export function intervalSeries(rows, nowMs) {
  const slots = new Map();
  for (const row of rows) {
    const at = Date.parse(row.interval_start);
    const slot = slots.get(at) || { offered: 0, answered: 0, inTarget: 0, counted: 0 };
    const counted = row.answered + row.abandoned - row.short_abandons;
    slot.offered += row.offered;
    slot.answered += row.answered;
    slot.counted += counted;
    slot.inTarget += (row.service_level ?? 0) * counted;
    slots.set(at, slot);
  }
  const last = quarterOf(nowMs);
  const first = Math.min(last - (SHOWN_AT_LEAST - 1) * QUARTER_MS, ...slots.keys());
  const series = { labels: [], offered: [], answered: [], level: [] };
  for (let at = first; at <= last; at += QUARTER_MS) {
    const slot = slots.get(at) || { offered: 0, answered: 0, inTarget: 0, counted: 0 };
    series.labels.push(label(at));
    series.offered.push(slot.offered);
    series.answered.push(slot.answered);
    series.level.push(slot.counted ? Math.round((1000 * slot.inTarget) / slot.counted) / 10 : "–");
  }
  return series;
}

export async function renderCharts(box, queueId, nowMs) {
  const rows = await api("routing", "/v1/stats/intervals?of=queues");
  const mine = queueId ? rows.filter((row) => row.queue_id === queueId) : rows;
  const series = intervalSeries(mine, nowMs);
  box.replaceChildren(
    el("div", { "data-testid": "chart-volume" }, chart({
      title: t("wb.chart_volume"), labels: series.labels,
      series: [
        { name: t("wb.offered"), values: series.offered, color: "#8ab4f8" },
        { name: t("wb.answered"), values: series.answered, color: "#188038" },
      ],
    })),
    el("div", { "data-testid": "chart-service-level" }, chart({
      title: t("wb.chart_service_level"), labels: series.labels, max: 100, unit: "%",
      series: [{ name: t("wb.service_level"), values: series.level, color: "#1a73e8" }],
    })),
  );
}
