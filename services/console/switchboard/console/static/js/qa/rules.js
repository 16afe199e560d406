/* The tenant's rules: which completed contacts are sampled for review (and to whom), and what
 * the automatic checks look for. Each form is drawn from the rules in force and replaces them. */

import { api, el, onSubmit, t } from "/static/js/console.js";
import { heading } from "/static/js/qa/common.js";
import { CHANNELS } from "/static/js/qa/forms.js";

const SAMPLING = [
  ["enabled", "bool"], ["scorecard_id", "scorecard"], ["evaluator_ids", "list"],
  ["random_share", "number", { step: "any", min: 0, max: 1 }], ["complaint_dispositions", "list"],
  ["complaint_phrases", "list"],
  ["negative_sentiment_at_most", "number", { step: "any" }], ["handle_time_factor", "number", { step: "any" }],
  ["handle_time_min_samples", "number"], ["new_agent_weeks", "number"], ["low_csat_at_most", "number"],
];
const CHECKS = [
  ["greeting_phrases", "list"], ["closing_phrases", "list"], ["forbidden_phrases", "list"],
  ["first_response_seconds", "number", { step: "any" }], ["response_seconds", "number", { step: "any" }],
  ["timed_channels", "channels"], ["sentiment_drop", "number", { step: "any" }],
  ["sentiment_floor", "number", { step: "any" }],
];

export async function showRules(view) {
  const [sampling, checks, cards] = await Promise.all([
    api("qa", "/v1/sampling-rules"), api("qa", "/v1/check-rules"), api("qa", "/v1/scorecards")]);
  view.replaceChildren(heading(t("qa.tab.rules")), el("div", { class: "cols" },
    rulesForm("sampling", "/v1/sampling-rules", SAMPLING, sampling, cards),
    rulesForm("checks", "/v1/check-rules", CHECKS, checks, cards)));
}

function rulesForm(name, path, fields, rules, cards) {
  const form = el("form", { class: "card rules", novalidate: true, "data-testid": `${name}-rules` },
    el("h2", {}, t(`qa.rules.${name}`)), el("p", { class: "hint" }, t(`qa.rules.${name}_hint`)),
    el("div", { class: "form-error", role: "alert" }),
    ...fields.map(([field, kind, attrs]) => input(field, kind, attrs, rules[field], cards)),
    el("button", { type: "submit", class: "primary" }, t("action.save")));
  const saved = el("span", { class: "badge ok", hidden: true, "data-testid": "saved" }, t("qa.rules.saved"));
  form.append(saved);
  onSubmit(form, async () => {
    saved.hidden = true;
    await api("qa", path, { method: "PUT", json: valuesOf(form, fields) });
    saved.hidden = false;
  });
  return form;
}

function input(field, kind, attrs = {}, value, cards) {
  const label = t(`qa.rules.${field}`);
  if (kind === "bool") {
    return el("label", { class: "inline" }, el("input", { type: "checkbox", name: field, checked: Boolean(value) }), label);
  }
  if (kind === "scorecard") {
    return el("label", {}, label, el("select", { name: field },
      el("option", { value: "" }, "—"),
      cards.map((c) => el("option", { value: c.id, selected: c.id === value }, c.name))));
  }
  if (kind === "channels") {
    return el("fieldset", { name: field }, el("legend", {}, label), CHANNELS.map((c) => el("label", { class: "inline" },
      el("input", { type: "checkbox", name: field, value: c, checked: value.includes(c) }), t(`qa.channel.${c}`))));
  }
  if (kind === "list") {
    return el("label", {}, label, el("span", { class: "hint" }, ` (${t("qa.rules.one_per_line")})`),
      el("textarea", { name: field, rows: Math.min(8, Math.max(2, value.length + 1)) }, value.join("\n")));
  }
  return el("label", {}, label, el("input", { type: "number", name: field, value, ...attrs }));
}

function valuesOf(form, fields) {
  const values = {};
  for (const [field, kind] of fields) {
    const node = form.querySelector(`[name="${field}"]`);
    if (kind === "bool") values[field] = node.checked;
    else if (kind === "scorecard") values[field] = node.value || null;
    else if (kind === "channels") values[field] = [...form.querySelectorAll(`input[name="${field}"]:checked`)].map((c) => c.value);
    else if (kind === "list") values[field] = node.value.split("\n").map((line) => line.trim()).filter(Boolean);
    else values[field] = node.value === "" ? null : Number(node.value);
  }
  return values;
}
