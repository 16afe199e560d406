/* Routing rules: tried in order of position; the first whose conditions all match picks the
 * queue (with a priority and extra skills). Lists in conditions are "any of". */

import { api, el, onSubmit, t, table } from "/static/js/console.js";
import {
  buttons, channelPicker, checkedValues, deleteButton, field, formCard, number, readMap, select, skillLevels, text,
  valueOf, words,
} from "/static/js/routing/forms.js";
import { levelsText } from "/static/js/routing/queues.js";

const WORD_CONDITIONS = ["keywords", "tiers", "languages", "segments", "dialed_numbers", "ivr_selections"];

export async function showRules(view, editing = null) {
  const [rules, queues, skills] = await Promise.all([
    api("routing", "/v1/rules"), api("routing", "/v1/queues"), api("routing", "/v1/skills")]);
  const again = (id = null) => showRules(view, id);
  const errors = el("div", {}, el("div", { class: "form-error", role: "alert" }));
  const names = Object.fromEntries(queues.map((q) => [q.id, q.name]));
  const list = el("section", { class: "card" }, el("h2", {}, t("routing.rules.title")),
    el("p", { class: "hint" }, t("routing.rules.hint")), errors,
    table(ruleColumns(names, errors, again), rules, { testid: "rules" }));
  const current = rules.find((r) => r.id === editing) || null;
  const next = rules.reduce((top, r) => Math.max(top, r.position + 10), 10);
  const form = ruleForm(current, next, queues, skills, () => again());
  view.replaceChildren(list, form);
  if (current) form.scrollIntoView({ block: "start" });
}

function conditionsText(conditions) {
  const parts = [];
  if (conditions.channels?.length) {
    parts.push(`${t("routing.field.channels")}: ${conditions.channels.map((c) => t(`channel.${c}`)).join(", ")}`);
  }
  for (const key of WORD_CONDITIONS) {
    if (conditions[key]?.length) parts.push(`${t(`routing.field.${key}`)}: ${conditions[key].join(", ")}`);
  }
  return parts.length ? parts.join(" · ") : t("routing.rules.everything");
}

function ruleColumns(names, errors, again) {
  return [
    { label: t("routing.field.position"), key: "position" },
    { label: t("routing.field.name"), key: "name" },
    { label: t("routing.field.conditions"), render: (r) => conditionsText(r.conditions) },
    { label: t("routing.field.queue"), render: (r) => names[r.queue_id] || r.queue_id },
    { label: t("routing.field.priority"), key: "priority" },
    { label: t("routing.col.required_skills"), render: (r) => levelsText(r.required_skills) },
    { label: "", render: (r) => el("span", { class: "row nowrap" },
      el("button", { type: "button", class: "small", "data-testid": `edit-rule-${r.name}`,
        onclick: () => again(r.id) }, t("routing.edit")),
      deleteButton(r.name, async () => {
        await api("routing", `/v1/rules/${r.id}`, { method: "DELETE" });
        await again();
      }, errors, `delete-rule-${r.name}`)) },
  ];
}

function ruleForm(rule, nextPosition, queues, skills, done) {
  const r = rule || { position: nextPosition, priority: 0, conditions: {}, required_skills: {}, queue_id: "" };
  const conditions = r.conditions || {};
  const form = formCard(rule ? t("routing.rules.edit", { name: rule.name }) : t("routing.rules.new"), "rule-form",
    el("div", { class: "fields" },
      field(t("routing.field.name"), text("name", r.name, { required: true, autocomplete: "off" })),
      field(t("routing.field.position"), number("position", r.position, { min: 0 }), t("routing.hint.position")),
      field(t("routing.field.queue"), select("queue_id",
        [["", t("routing.rules.choose_queue")], ...queues.map((q) => [q.id, q.name])], r.queue_id)),
      field(t("routing.field.priority"), number("priority", r.priority), t("routing.hint.priority"))),
    el("fieldset", { name: "conditions", class: "conditions" }, el("legend", {}, t("routing.field.conditions")),
      channelPicker("conditions.channels", conditions.channels || [], t("routing.field.channels")),
      el("div", { class: "fields" }, WORD_CONDITIONS.map((key) => field(t(`routing.field.${key}`),
        text(`conditions.${key}`, (conditions[key] || []).join(", "), { autocomplete: "off" }))))),
    el("p", { class: "hint" }, t("routing.hint.words")),
    skillLevels("required_skills", skills, r.required_skills, t("routing.field.extra_skills")),
    buttons(rule ? t("action.save") : t("action.create"), rule ? done : null));
  onSubmit(form, async () => {
    const body = {
      name: valueOf(form, "name") ?? "",
      position: valueOf(form, "position") ?? 0,
      queue_id: valueOf(form, "queue_id") ?? "",
      priority: valueOf(form, "priority") ?? 0,
      conditions: {
        channels: checkedValues(form, "conditions.channels"),
        ...Object.fromEntries(WORD_CONDITIONS.map((key) => [key, words(valueOf(form, `conditions.${key}`))])),
      },
      required_skills: readMap(form, "required_skills"),
    };
    if (rule) await api("routing", `/v1/rules/${rule.id}`, { method: "PUT", json: body });
    else await api("routing", "/v1/rules", { method: "POST", json: body });
    await done();
  });
  return form;
}
