/* Agents: who they are (the id is the subject of their sign-in), their skills with
 * proficiency, and how many contacts of each channel they take at once. */

import { api, el, onSubmit, t, table } from "/static/js/console.js";
import {
  buttons, CHANNELS, checkbox, field, formCard, number, readMap, skillLevels, text, valueOf,
} from "/static/js/routing/forms.js";
import { levelsText } from "/static/js/routing/queues.js";

const STATE_BADGE = { available: "ok", busy: "warn", wrap_up: "warn", not_ready: "bad" };

export async function showAgents(view, editing = null) {
  const [agents, skills] = await Promise.all([api("routing", "/v1/agents"), api("routing", "/v1/skills")]);
  const again = (id = null) => showAgents(view, id);
  const list = el("section", { class: "card" }, el("h2", {}, t("routing.agents.title")),
    table(agentColumns(again), agents, { testid: "agents" }));
  const current = agents.find((a) => a.id === editing) || null;
  const form = agentForm(current, skills, () => again());
  view.replaceChildren(list, form);
  if (current) form.scrollIntoView({ block: "start" });
}

function agentColumns(again) {
  return [
    { label: t("routing.field.agent_id"), render: (a) => el("code", {}, a.id) },
    { label: t("routing.field.name"), key: "name" },
    { label: t("routing.field.state"), render: (a) => el("span", { class: `badge ${STATE_BADGE[a.state] || ""}` },
      t(`state.${a.state}`)) },
    { label: t("routing.col.skills"), render: (a) => levelsText(a.skills) },
    { label: t("routing.field.capacity"), render: (a) => Object.entries(a.capacity)
      .map(([c, n]) => `${t(`channel.${c}`)} ${n}`).join(", ") },
    { label: t("routing.field.mode"), render: (a) => [
      a.voice_exclusive ? t("routing.field.voice_exclusive") : null,
      a.blended ? t("routing.field.blended") : null].filter(Boolean).join(", ") },
    { label: "", render: (a) => el("button", { type: "button", class: "small", "data-testid": `edit-agent-${a.id}`,
      onclick: () => again(a.id) }, t("routing.edit")) },
  ];
}

function capacityBoxes(capacity) {
  return el("fieldset", { name: "capacity", class: "levels" }, el("legend", {}, t("routing.field.capacity")),
    CHANNELS.map((c) => el("label", { class: "level" }, t(`channel.${c}`),
      number(`capacity.${c}`, capacity[c], { min: 0, max: 50, "data-key": c }))));
}

function agentForm(agent, skills, done) {
  const a = agent || { skills: {}, capacity: { voice: 1 }, voice_exclusive: true, blended: false };
  const form = formCard(agent ? t("routing.agents.edit", { name: agent.name }) : t("routing.agents.new"),
    "agent-form",
    el("div", { class: "fields" },
      field(t("routing.field.agent_id"), text("id", a.id, { required: true, autocomplete: "off", disabled: Boolean(agent) }),
        t("routing.hint.agent_id")),
      field(t("routing.field.name"), text("name", a.name, { required: true, autocomplete: "off" })),
      checkbox("voice_exclusive", t("routing.field.voice_exclusive"), a.voice_exclusive),
      checkbox("blended", t("routing.field.blended"), a.blended)),
    skillLevels("skills", skills, a.skills, t("routing.field.skills")),
    capacityBoxes(a.capacity),
    buttons(agent ? t("action.save") : t("action.create"), agent ? done : null));
  onSubmit(form, async () => {
    const body = {
      name: valueOf(form, "name") ?? "",
      skills: readMap(form, "skills"),
      capacity: readMap(form, "capacity"),
      voice_exclusive: form.elements.namedItem("voice_exclusive").checked,
      blended: form.elements.namedItem("blended").checked,
    };
    if (agent) await api("routing", `/v1/agents/${encodeURIComponent(agent.id)}`, { method: "PUT", json: body });
    else await api("routing", "/v1/agents", { method: "POST", json: { id: valueOf(form, "id") ?? "", ...body } });
    await done();
  });
  return form;
}
