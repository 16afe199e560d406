/* Form pieces the routing page's editors share. Every input is named after the API field it
 * fills (dotted when the API nests), so the services' errors land next to it. */

import { ApiError, el, showProblem, t } from "/static/js/console.js";

export const CHANNELS = ["voice", "chat", "email", "sms"];

/** A labelled input in a cell of its own, so the service's message lands under it. */
export function field(label, input, hint) {
  return el("div", { class: "cell" }, el("label", {}, label, input, hint ? el("span", { class: "hint" }, hint) : null));
}

export function text(name, value = "", attrs = {}) {
  return el("input", { name, value: value ?? "", ...attrs });
}

export function number(name, value, attrs = {}) {
  return el("input", { type: "number", name, value: value ?? "", ...attrs });
}

export function select(name, options, chosen, attrs = {}) {
  return el("select", { name, ...attrs }, options.map(([value, label]) =>
    el("option", { value, selected: String(value) === String(chosen ?? "") }, label)));
}

export function checkbox(name, label, checked, attrs = {}) {
  return el("label", { class: "check" }, el("input", { type: "checkbox", name, checked, ...attrs }), " ", label);
}

/** Channel tick boxes inside a fieldset named `name`: the API's error for the list goes under it. */
export function channelPicker(name, chosen, legend) {
  return el("fieldset", { name, class: "inline" }, el("legend", {}, legend),
    CHANNELS.map((c) => checkbox(name, t(`channel.${c}`), chosen.includes(c), { value: c })));
}

export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`)]
    .filter((box) => box.checked).map((box) => box.value);
}

/** One proficiency box (1-10) per skill; empty means not required / not held. */
export function skillLevels(name, skills, levels, legend) {
  const rows = skills.map((s) => el("label", { class: "level" }, s.name,
    number(`${name}.${s.name}`, levels[s.name], { min: 1, max: 10, "data-key": s.name })));
  return el("fieldset", { name, class: "levels" }, el("legend", {}, legend),
    rows.length ? rows : el("span", { class: "muted" }, t("routing.skills.none_yet")));
}

export function readMap(form, name) {
  const levels = {};
  form.querySelectorAll(`input[name^="${CSS.escape(name)}."][data-key]`).forEach((input) => {
    if (input.value !== "") levels[input.dataset.key] = Number(input.value);
  });
  return levels;
}

/** The value of the named input: a number for number inputs, null when empty. */
export function valueOf(form, name) {
  const input = form.elements.namedItem(name);
  if (!input || input.value === "") return null;
  return input.type === "number" ? Number(input.value) : input.value;
}

/** Comma- or newline-separated words as a list. */
export function words(value) {
  return String(value || "").split(/[,，\n]/).map((w) => w.trim()).filter(Boolean);
}

export function formCard(title, testid, ...children) {
  return el("form", { class: "card editor", novalidate: true, "data-testid": testid },
    el("h2", {}, title), el("div", { class: "form-error", role: "alert" }), ...children);
}

export function buttons(submitLabel, onCancel) {
  return el("div", { class: "row actions" },
    el("button", { type: "submit", class: "primary" }, submitLabel),
    onCancel ? el("button", { type: "button", onclick: onCancel }, t("action.cancel")) : null);
}

/** A delete button that asks first and shows the service's refusal in `errors`. */
export function deleteButton(what, remove, errors, testid) {
  return el("button", {
    type: "button", class: "danger small", "data-testid": testid,
    onclick: async () => {
      if (!window.confirm(t("routing.confirm_delete", { what }))) return;
      try {
        await remove();
      } catch (error) {
        showProblem(errors, error instanceof ApiError ? error : new ApiError(0, { detail: String(error) }));
      }
    },
  }, t("action.delete"));
}
