/* Scorecards: the list, and the editor of sections and questions. Saving a changed
 * scorecard publishes its next version; earlier versions stay readable as they were. */

import { api, el, onSubmit, t, table, when } from "/static/js/console.js";
import { REVIEWER, heading, link, showing } from "/static/js/qa/common.js";
import { AUTO_CHECKS, CHANNELS, questionsOf } from "/static/js/qa/forms.js";

export async function showScorecards(view) {
  const cards = await api("qa", "/v1/scorecards");
  const columns = [
    { key: "name", label: t("qa.scorecard.name"), render: (c) => link(`#/scorecards/${c.id}`, c.name) },
    { key: "version", label: t("qa.scorecard.version") },
    { key: "questions", label: t("qa.scorecard.questions"), render: (c) => questionsOf(c.definition).length },
    { key: "created_at", label: t("qa.scorecard.published"), render: (c) => when(c.created_at) },
  ];
  const create = REVIEWER() ? link("#/scorecards/new", t("qa.scorecard.new"), { class: "button primary" }) : null;
  view.replaceChildren(el("section", { class: "card" }, heading(t("qa.tab.scorecards"), create),
    table(columns, cards, { testid: "scorecards" })));
}

const NEW_QUESTION = () => ({ key: "", text: "", kind: "yes_no", weight: 1, scale_max: 5, critical: false,
  allow_na: true, channels: null, auto_check: null });
const NEW_FORM = () => ({ name: "", sections: [{ title: "", questions: [NEW_QUESTION()] }] });

export async function showEditor(view, scorecardId, version) {
  const card = scorecardId ? await loadCard(scorecardId, version) : null;
  const editable = REVIEWER() && (!card || card.version === card.current_version);
  const form = el("form", { class: "card scorecard-editor", novalidate: true, "data-testid": "scorecard-form" });
  const state = { definition: card ? structuredClone(card.definition) : NEW_FORM() };
  const title = card ? t("qa.scorecard.edit", { name: card.name, version: card.version }) : t("qa.scorecard.new");
  view.replaceChildren(heading(title, link("#/scorecards", t("qa.back"))), card ? versionsOf(card) : "", form);
  render(form, state, editable);
  if (!editable) return;
  onSubmit(form, async () => {
    const body = collect(form);
    const saved = card
      ? await api("qa", `/v1/scorecards/${card.id}`, { method: "PUT", json: body })
      : await api("qa", "/v1/scorecards", { method: "POST", json: body });
    location.hash = `#/scorecards/${saved.id}`;
    if (card) await showEditor(view, saved.id);
  });
}

async function loadCard(scorecardId, version) {
  if (version) return api("qa", `/v1/scorecards/${scorecardId}/versions/${version}`);
  const card = (await api("qa", "/v1/scorecards")).find((c) => c.id === scorecardId);
  if (!card) throw new Error(t("qa.scorecard.missing"));
  return card;
}

function versionsOf(card) {
  const links = Array.from({ length: card.current_version }, (_, n) => n + 1).map((n) => n === card.version
    ? el("strong", {}, `v${n}`)
    : el("button", { type: "button", class: "link-button", onclick: () => openVersion(card.id, n) }, `v${n}`));
  const note = card.version === card.current_version ? t("qa.scorecard.new_version_hint") : t("qa.scorecard.old_version");
  return el("p", { class: "row versions", "data-testid": "versions" }, t("qa.scorecard.versions"), ...links,
    el("span", { class: "muted" }, note));
}

function openVersion(scorecardId, version) {
  const view = document.getElementById("qa-view");
  showing(view, () => showEditor(view, scorecardId, version));
}

/* ---- the form, drawn from `state.definition`; the buttons read it back before changing it ---- */

function render(form, state, editable) {
  const change = (mutate) => () => { state.definition = collect(form); mutate(state.definition); render(form, state, editable); };
  form.replaceChildren(
    el("div", { class: "form-error", role: "alert" }),
    el("label", {}, t("qa.scorecard.name"), el("input", { name: "name", value: state.definition.name, required: true })),
    ...state.definition.sections.map((section, s) => sectionFields(section, s, editable, change)),
    editable ? el("div", { class: "row" },
      el("button", { type: "button", "data-testid": "add-section",
        onclick: change((d) => d.sections.push({ title: "", questions: [NEW_QUESTION()] })) }, t("qa.scorecard.add_section")),
      el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "primary" }, t("qa.scorecard.publish"))) : "",
  );
  form.querySelectorAll("input, select").forEach((field) => { field.disabled = !editable; });
}

function sectionFields(section, s, editable, change) {
  const path = `sections.${s}`;
  return el("fieldset", { name: path, class: "section", "data-testid": "section" },
    el("legend", {}, t("qa.scorecard.section", { n: s + 1 })),
    el("label", {}, t("qa.scorecard.section_title"), el("input", { name: `${path}.title`, value: section.title })),
    ...section.questions.map((question, q) => questionFields(question, `${path}.questions.${q}`, editable,
      change((d) => d.sections[s].questions.splice(q, 1)))),
    editable ? el("div", { class: "row" },
      el("button", { type: "button", "data-testid": "add-question",
        onclick: change((d) => d.sections[s].questions.push(NEW_QUESTION())) }, t("qa.scorecard.add_question")),
      el("button", { type: "button", class: "danger", onclick: change((d) => d.sections.splice(s, 1)) },
        t("qa.scorecard.remove_section"))) : "");
}

function questionFields(question, path, editable, remove) {
  const input = (name, attrs) => el("input", { name: `${path}.${name}`, ...attrs });
  const select = (name, options, value) => el("select", { name: `${path}.${name}` },
    options.map(([v, label]) => el("option", { value: v, selected: v === (value ?? "") }, label)));
  const kind = select("kind", [["yes_no", t("qa.kind.yes_no")], ["scale", t("qa.kind.scale")]], question.kind);
  const scale = el("label", { class: "scale-max", hidden: question.kind !== "scale" }, t("qa.scorecard.scale_max"),
    input("scale_max", { type: "number", min: 1, max: 10, value: question.scale_max ?? 5 }));
  kind.addEventListener("change", () => { scale.hidden = kind.value !== "scale"; });
  return el("fieldset", { name: path, class: "question", "data-testid": "question" },
    el("div", { class: "question-grid" },
      el("label", {}, t("qa.scorecard.key"), input("key", { value: question.key, placeholder: "greeting" })),
      el("label", { class: "wide" }, t("qa.scorecard.text"), input("text", { value: question.text })),
      el("label", {}, t("qa.scorecard.kind"), kind),
      scale,
      el("label", {}, t("qa.scorecard.weight"), input("weight", { type: "number", step: "any", value: question.weight ?? 1 })),
      el("label", {}, t("qa.scorecard.auto_check"), select("auto_check",
        [["", t("qa.scorecard.no_auto_check")], ...AUTO_CHECKS.map((c) => [c, t(`qa.check.${c}`)])], question.auto_check))),
    el("div", { class: "row" },
      checkbox(`${path}.critical`, question.critical, t("qa.scorecard.critical")),
      checkbox(`${path}.allow_na`, question.allow_na ?? true, t("qa.scorecard.allow_na")),
      el("span", { class: "muted" }, t("qa.scorecard.channels")),
      ...CHANNELS.map((c) => checkbox(`${path}.channels`, (question.channels || []).includes(c), t(`qa.channel.${c}`), c)),
      el("span", { class: "spacer" }),
      editable ? el("button", { type: "button", class: "danger", onclick: remove }, t("qa.scorecard.remove_question")) : ""));
}

function checkbox(name, checked, label, value = "on") {
  return el("label", { class: "inline" }, el("input", { type: "checkbox", name, value, checked }), label);
}

/** The definition as the form shows it now, in qa's shape. */
function collect(form) {
  const value = (name) => form.querySelector(`[name="${CSS.escape(name)}"]`);
  return {
    name: value("name").value.trim(),
    sections: [...form.querySelectorAll("fieldset.section")].map((fieldset) => ({
      title: value(`${fieldset.name}.title`).value.trim(),
      questions: [...fieldset.querySelectorAll("fieldset.question")].map((q) => questionOf(q.name, value, form)),
    })),
  };
}

function questionOf(path, value, form) {
  const kind = value(`${path}.kind`).value;
  const channels = [...form.querySelectorAll(`[name="${CSS.escape(`${path}.channels`)}"]:checked`)].map((c) => c.value);
  const number = (name) => (value(`${path}.${name}`).value === "" ? null : Number(value(`${path}.${name}`).value));
  return {
    key: value(`${path}.key`).value.trim(),
    text: value(`${path}.text`).value.trim(),
    kind,
    weight: number("weight"),
    scale_max: kind === "scale" ? number("scale_max") : 5,
    critical: value(`${path}.critical`).checked,
    allow_na: value(`${path}.allow_na`).checked,
    channels: channels.length ? channels : null,
    auto_check: value(`${path}.auto_check`).value || null,
  };
}
