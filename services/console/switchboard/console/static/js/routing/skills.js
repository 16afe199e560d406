/* Skills: the list, a new skill, and deleting one nothing uses any more. */

import { api, el, onSubmit, t, table } from "/static/js/console.js";
import { buttons, deleteButton, field, formCard, text } from "/static/js/routing/forms.js";

export async function showSkills(view) {
  const skills = await api("routing", "/v1/skills");
  const errors = el("div", {}, el("div", { class: "form-error", role: "alert" }));
  const again = () => showSkills(view);
  const list = el("section", { class: "card" }, el("h2", {}, t("routing.skills.title")), errors,
    table([
      { label: t("routing.field.name"), render: (s) => el("code", {}, s.name) },
      { label: t("routing.field.description"), key: "description" },
      { label: "", render: (s) => deleteButton(s.name, async () => {
        await api("routing", `/v1/skills/${s.id}`, { method: "DELETE" });
        await again();
      }, errors, `delete-skill-${s.name}`) },
    ], skills, { testid: "skills" }));
  view.replaceChildren(el("div", { class: "split" }, list, skillForm(again)));
}

function skillForm(done) {
  const form = formCard(t("routing.skills.new"), "skill-form",
    field(t("routing.field.skill_name"), text("name", "", { required: true, autocomplete: "off" }),
      t("routing.hint.skill_name")),
    field(t("routing.field.description"), text("description")),
    buttons(t("action.create")));
  onSubmit(form, async (data) => {
    await api("routing", "/v1/skills", { method: "POST", json: data });
    await done();
  });
  return form;
}
