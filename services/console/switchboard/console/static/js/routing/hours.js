/* The business hours editor of a queue: time zone, opening windows per weekday, holidays
 * (closed all day) and where contacts go while the queue is closed. Inputs are named like
 * the API's fields (business_hours.weekly.mon.0.1), so a window the service refuses is marked. */

import { el, t } from "/static/js/console.js";
import { field, select, text } from "/static/js/routing/forms.js";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const OFFICE = [["09:00", "18:00"]];
const ZONES = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

function timeInput(name, value) {
  return el("input", { type: "time", name, value, required: true, class: "time" });
}

function renumber(list, prefix) {
  [...list.children].forEach((item, i) => {
    item.querySelectorAll("input").forEach((input, end) => {
      input.name = prefix === "holidays" ? `business_hours.holidays.${i}` : `${prefix}.${i}.${end}`;
    });
  });
}

function windowItem(list, prefix, [start, end]) {
  const item = el("span", { class: "window" }, timeInput("", start), "–", timeInput("", end),
    el("button", { type: "button", class: "small", title: t("routing.hours.remove_window"),
      "aria-label": t("routing.hours.remove_window"),
      onclick: () => { item.remove(); renumber(list, prefix); } }, "×"));
  return item;
}

function dayRow(day, windows) {
  const prefix = `business_hours.weekly.${day}`;
  const list = el("span", { class: "windows", "data-day": day });
  const add = (pair) => { list.append(windowItem(list, prefix, pair)); renumber(list, prefix); };
  windows.forEach(add);
  return el("div", { class: "day", "data-testid": `hours-${day}` },
    el("span", { class: "day-name" }, t(`day.${day}`)), list,
    el("span", { class: "closed muted" }, t("routing.hours.closed")),
    el("button", { type: "button", class: "small", "data-testid": `add-window-${day}`,
      onclick: () => add(OFFICE[0]) }, t("routing.hours.add_window")));
}

function holidayItem(list, date) {
  const item = el("span", { class: "holiday" },
    el("input", { type: "date", name: "", value: date, required: true }),
    el("button", { type: "button", class: "small", "aria-label": t("routing.hours.remove_holiday"),
      onclick: () => { item.remove(); renumber(list, "holidays"); } }, "×"));
  return item;
}

function copyMondayToWeekdays(box) {
  const monday = readWindows(box, "mon");
  for (const day of ["tue", "wed", "thu", "fri"]) {
    box.querySelector(`[data-testid=hours-${day}]`).replaceWith(dayRow(day, monday));
  }
}

/** The editor for `hours` (null: always open); `queues` are the candidates for after hours. */
export function hoursEditor(hours, queues) {
  const given = hours || { time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    weekly: Object.fromEntries(DAYS.slice(0, 5).map((d) => [d, OFFICE])), holidays: [] };
  const holidays = el("span", { class: "holidays" });
  (given.holidays || []).forEach((d) => holidays.append(holidayItem(holidays, d)));
  renumber(holidays, "holidays");
  const body = el("div", { class: "hours-body" },
    el("div", { class: "row" },
      field(t("routing.field.time_zone"), text("business_hours.time_zone", given.time_zone,
        { list: "time-zones", autocomplete: "off" })),
      field(t("routing.field.after_hours_queue"), select("business_hours.after_hours_queue_id",
        [["", t("routing.hours.wait_for_opening")], ...queues.map((q) => [q.id, q.name])],
        given.after_hours_queue_id))),
    el("datalist", { id: "time-zones" }, ZONES.map((z) => el("option", { value: z }))),
    el("div", { class: "days" }, DAYS.map((d) => dayRow(d, (given.weekly || {})[d] || []))),
    el("div", { class: "row" },
      el("button", { type: "button", class: "small", onclick: () => copyMondayToWeekdays(box) },
        t("routing.hours.copy_monday"))),
    el("p", { class: "hint" }, t("routing.hours.hint")),
    el("div", { class: "row holidays-row" }, el("span", {}, t("routing.field.holidays")), holidays,
      el("button", { type: "button", class: "small", "data-testid": "add-holiday", onclick: () => {
        holidays.append(holidayItem(holidays, "")); renumber(holidays, "holidays");
      } }, t("routing.hours.add_holiday"))));
  const toggle = el("input", { type: "checkbox", "data-testid": "use-business-hours", checked: Boolean(hours),
    onchange: () => { body.hidden = !toggle.checked; } });
  body.hidden = !hours;
  const box = el("fieldset", { name: "business_hours", class: "hours" },
    el("legend", {}, el("label", { class: "check" }, toggle, " ", t("routing.field.business_hours"))), body);
  return box;
}

function readWindows(box, day) {
  const items = box.querySelectorAll(`[data-day=${day}] .window`);
  return [...items].map((item) => [...item.querySelectorAll("input")].map((input) => input.value));
}

/** The API's business_hours from the editor: null when the queue is always open. */
export function readHours(box) {
  if (!box.querySelector("[data-testid=use-business-hours]").checked) return null;
  const weekly = {};
  for (const day of DAYS) {
    const windows = readWindows(box, day);
    if (windows.length) weekly[day] = windows;
  }
  const after = box.querySelector("[name='business_hours.after_hours_queue_id']").value;
  return {
    time_zone: box.querySelector("[name='business_hours.time_zone']").value,
    weekly,
    holidays: [...box.querySelectorAll(".holiday input")].map((input) => input.value),
    after_hours_queue_id: after || null,
  };
}

function sameWindows(a, b) {
  return JSON.stringify(a || []) === JSON.stringify(b || []);
}

/** "Mon–Fri 09:00–18:00 · Sat 10:00–14:00 (Asia/Shanghai)": days with the same windows grouped. */
export function hoursSummary(hours) {
  if (!hours) return t("routing.hours.always_open");
  const weekly = hours.weekly || {};
  if (!Object.keys(weekly).length) return t("routing.hours.every_day");
  const parts = [];
  for (let i = 0; i < DAYS.length; i += 1) {
    if (!weekly[DAYS[i]]) continue;
    let j = i;
    while (j + 1 < DAYS.length && weekly[DAYS[j + 1]] && sameWindows(weekly[DAYS[j + 1]], weekly[DAYS[i]])) j += 1;
    const days = j > i ? `${t(`day.${DAYS[i]}`)}–${t(`day.${DAYS[j]}`)}` : t(`day.${DAYS[i]}`);
    parts.push(`${days} ${weekly[DAYS[i]].map(([s, e]) => `${s}–${e}`).join(", ")}`);
    i = j;
  }
  return `${parts.join(" · ")} (${hours.time_zone})`;
}
