/* Queues: the list with service level and business hours, and the editor that creates,
 * changes (the API replaces all settings at once) and deletes them. */

import { api, el, onSubmit, t, table } from "/static/js/console.js";
import { hoursEditor, hoursSummary, readHours } from "/static/js/routing/hours.js";
import {
  buttons, channelPicker, checkbox, checkedValues, deleteButton, field, formCard, number, readMap, select,
  skillLevels, text, valueOf,
} from "/static/js/routing/forms.js";

const STRATEGIES = ["longest_idle", "least_occupied", "round_robin", "highest_proficiency", "random"];
const SETTINGS = ["sla_target", "sla_seconds", "max_size", "max_wait_seconds", "wrap_up_seconds"];
const ESCALATION = ["widen_after_seconds", "widen_to", "overflow_after_seconds", "overflow_queue_id",
  "callback_after_seconds", "message_after_seconds", "priority_per_minute", "preferred_agent_seconds"];
const LIMIT_ACTIONS = ["abandon", "message"];

export async function showQueues(view, editing = null) {
  const [queues, skills] = await Promise.all([api("routing", "/v1/queues"), api("routing", "/v1/skills")]);
  const again = (id = null) => showQueues(view, id);
  const errors = el("div", {}, el("div", { class: "form-error", role: "alert" }));
  const list = el("section", { class: "card" }, el("h2", {}, t("routing.queues.title")), errors,
    table(queueColumns(queues, errors, again), queues, { testid: "queues" }));
  const current = queues.find((q) => q.id === editing) || null;
  const form = queueForm(current, queues, skills, () => again());
  view.replaceChildren(list, form);
  if (current) form.scrollIntoView({ block: "start" });
}

function serviceLevel(q) {
  return t("routing.queues.service_level", { share: Math.round(q.sla_target * 100), seconds: q.sla_seconds });
}

function queueColumns(queues, errors, again) {
  return [
    { label: t("routing.field.name"), render: (q) => el("span", {}, q.name,
      q.is_default ? el("span", { class: "badge ok" }, t("routing.queues.default")) : null) },
    { label: t("routing.field.channels"), render: (q) => q.channels.map((c) => t(`channel.${c}`)).join(", ") },
    { label: t("routing.field.strategy"), render: (q) => t(`strategy.${q.strategy}`) },
    { label: t("routing.field.service_level"), render: serviceLevel },
    { label: t("routing.col.required_skills"), render: (q) => levelsText(q.required_skills) },
    { label: t("routing.field.business_hours"), render: (q) => el("span", { "data-testid": "queue-hours" },
      hoursSummary(q.business_hours), q.business_hours?.holidays?.length
        ? el("span", { class: "muted" }, ` · ${t("routing.hours.holiday_count", { n: q.business_hours.holidays.length })}`)
        : null) },
    { label: "", render: (q) => el("span", { class: "row nowrap" },
      el("button", { type: "button", class: "small", "data-testid": `edit-queue-${q.name}`,
        onclick: () => again(q.id) }, t("routing.edit")),
      deleteButton(q.name, async () => {
        await api("routing", `/v1/queues/${q.id}`, { method: "DELETE" });
        await again();
      }, errors, `delete-queue-${q.name}`)) },
  ];
}

export function levelsText(levels) {
  return Object.entries(levels || {}).map(([name, level]) => `${name} ${level}`).join(", ");
}

function queueForm(queue, queues, skills, done) {
  const q = queue || { channels: [], strategy: "longest_idle", required_skills: {}, sla_target: 0.8,
    sla_seconds: 20, wrap_up_seconds: 0, escalation: {}, business_hours: null, is_default: false };
  const others = queues.filter((other) => other.id !== q.id);
  const otherOptions = [["", t("routing.none")], ...others.map((o) => [o.id, o.name])];
  const esc = q.escalation || {};
  const hours = hoursEditor(q.business_hours, others);
  const form = formCard(queue ? t("routing.queues.edit", { name: queue.name }) : t("routing.queues.new"),
    "queue-form",
    el("div", { class: "fields" },
      field(t("routing.field.name"), text("name", q.name, { required: true, autocomplete: "off" })),
      field(t("routing.field.strategy"), select("strategy", STRATEGIES.map((s) => [s, t(`strategy.${s}`)]), q.strategy)),
      field(t("routing.field.sla_target"), number("sla_target", q.sla_target, { step: 0.01, min: 0, max: 1 }),
        t("routing.hint.sla_target")),
      field(t("routing.field.sla_seconds"), number("sla_seconds", q.sla_seconds, { min: 1 })),
      field(t("routing.field.max_size"), number("max_size", q.max_size, { min: 1 }), t("routing.hint.unlimited")),
      field(t("routing.field.max_wait_seconds"), number("max_wait_seconds", q.max_wait_seconds, { min: 1 }),
        t("routing.hint.unlimited")),
      field(t("routing.field.limit_action"), select("limit_action",
        LIMIT_ACTIONS.map((a) => [a, t(`routing.limit_action.${a}`)]), q.limit_action || "abandon")),
      field(t("routing.field.wrap_up_seconds"), number("wrap_up_seconds", q.wrap_up_seconds, { min: 0 })),
      checkbox("is_default", t("routing.field.is_default"), q.is_default)),
    channelPicker("channels", q.channels, t("routing.field.channels")),
    skillLevels("required_skills", skills, q.required_skills, t("routing.field.required_skills")),
    el("details", { open: Object.keys(esc).some((k) => esc[k] && k !== "widen_to") },
      el("summary", {}, t("routing.field.escalation")),
      el("fieldset", { name: "escalation", class: "fields" },
        ESCALATION.map((key) => field(t(`routing.field.${key}`), key === "overflow_queue_id"
          ? select("escalation.overflow_queue_id", otherOptions, esc.overflow_queue_id)
          : number(`escalation.${key}`, esc[key], { min: 0, step: "any" }))))),
    hours,
    buttons(queue ? t("action.save") : t("action.create"), queue ? done : null));
  onSubmit(form, async () => {
    const body = queueBody(form, hours, queue);
    if (queue) await api("routing", `/v1/queues/${queue.id}`, { method: "PUT", json: body });
    else await api("routing", "/v1/queues", { method: "POST", json: body });
    await done();
  });
  return form;
}

function withoutNulls(entries) {
  return Object.fromEntries(entries.filter(([, value]) => value !== null));
}

function queueBody(form, hours, queue) {
  // The API replaces every setting: keep those this form does not edit (blending thresholds,
  // and "leave a message" after hours where no after-hours queue is chosen).
  const businessHours = readHours(hours);
  const afterHoursAction = queue?.business_hours?.after_hours_action;
  if (businessHours && !businessHours.after_hours_queue_id && afterHoursAction) {
    businessHours.after_hours_action = afterHoursAction;
  }
  return {
    name: valueOf(form, "name") ?? "",
    channels: checkedValues(form, "channels"),
    strategy: valueOf(form, "strategy"),
    required_skills: readMap(form, "required_skills"),
    ...withoutNulls(SETTINGS.map((key) => [key, valueOf(form, key)])),
    is_default: form.elements.namedItem("is_default").checked,
    limit_action: valueOf(form, "limit_action") ?? "abandon",
    escalation: withoutNulls(ESCALATION.map((key) => [key, valueOf(form, `escalation.${key}`)])),
    business_hours: businessHours,
    blending: queue?.blending ?? null,
  };
}
