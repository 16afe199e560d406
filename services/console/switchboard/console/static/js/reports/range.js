/* The filter's days, inclusive, in the browser's time zone, as the instants the services take. */

import { ApiError, t } from "/static/js/console.js";

const DAY = 86_400_000;

function isoDay(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function defaultRange() {
  const today = new Date();
  return { from: isoDay(new Date(today.getTime() - 6 * DAY)), to: isoDay(today) };
}

/** [since, until) covering the days `from` … `to`; the days themselves for the per-day reports. */
export function rangeOf(from, to) {
  const errors = [];
  if (!from) errors.push({ field: "from", message: t("reports.need_day") });
  if (!to) errors.push({ field: "to", message: t("reports.need_day") });
  if (!errors.length && to < from) errors.push({ field: "to", message: t("reports.to_before_from") });
  if (errors.length) throw new ApiError(422, { detail: errors[0].message, errors });
  const since = new Date(`${from}T00:00:00`);
  const end = new Date(`${to}T00:00:00`);
  end.setDate(end.getDate() + 1);
  return { since: since.toISOString(), until: end.toISOString(), from, to };
}
