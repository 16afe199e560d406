/* Agents live: state and time in it, what each one handles now, and the supervisor's state change. */

import { ApiError, api, clearProblems, el, onSubmit, t, table } from "/static/js/console.js";
import { ticking } from "/static/js/wallboard/clock.js";
import { channelName, stateBadge } from "/static/js/wallboard/format.js";

const ORDER = ["busy", "available", "wrap_up", "not_ready", "logged_out"];

function byState(a, b) {
  return ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || a.name.localeCompare(b.name);
}

function contact(task) {
  const since = task.accepted_at || task.created_at;
  const status = task.status === "offered" ? t("wb.offered_to") : t("wb.handling");
  return el("div", { class: "wb-contact", "data-testid": "agent-contact" },
    el("span", { class: "badge" }, channelName(task.channel)), ` ${status} `, ticking(since));
}

function load(agent) {
  return Object.entries(agent.capacity)
    .filter(([, slots]) => slots > 0)
    .map(([channel, slots]) => `${channelName(channel)} ${agent.load[channel] || 0}/${slots}`)
    .join(" · ");
}

export function renderAgents(box, agents, tasks, { onChangeState }) {
  const held = (agent) => tasks.filter((task) => task.agent_id === agent.id);
  const columns = [
    { label: t("wb.agent"), render: (a) => el("span", {}, el("strong", {}, a.name), el("small", { class: "muted" }, ` ${a.id}`)) },
    { label: t("wb.state"), render: stateBadge },
    { label: t("wb.time_in_state"), render: (a) => ticking(a.state_since, { "data-testid": "time-in-state" }) },
    { label: t("wb.current_contacts"), render: (a) => held(a).map(contact) },
    { label: t("wb.load"), render: (a) => el("small", { class: "muted" }, load(a)) },
    {
      label: "",
      render: (a) => el("button", { type: "button", "data-testid": "change-state", onclick: () => onChangeState(a) },
        t("wb.change_state")),
    },
  ];
  const sorted = [...agents].sort(byState);
  const grid = table(columns, sorted, { testid: "agents", empty: t("wb.no_agents") });
  [...grid.tBodies[0].rows].forEach((row, i) => {
    if (!sorted[i]) return;
    row.dataset.testid = "agent-row";
    row.dataset.agentId = sorted[i].id;
    row.classList.toggle("off", sorted[i].state === "logged_out");
  });
  box.replaceChildren(grid);
}

/** The request that brings an agent from where they are to the state the supervisor chose. */
function stateRequest(agent, { state, reason }) {
  const path = `/v1/agents/${encodeURIComponent(agent.id)}`;
  if (state === "logged_out") return [`${path}/sign-out`, { method: "POST" }];
  const json = state === "not_ready" ? { state, reason: reason ?? null } : { state };
  return agent.state === "logged_out"
    ? [`${path}/sign-in`, { method: "POST", json }]
    : [`${path}/state`, { method: "PUT", json }];
}

/** Routing judges the state and its reason together (an error on the whole body): show it by the reason. */
function besideReason(error) {
  if (error instanceof ApiError) {
    for (const item of error.problem.errors || []) item.field ||= "reason";
  }
  return error;
}

/** Wires the state dialog; returns `open(agent)`. `changed()` runs after the service agreed. */
export function stateDialog(dialog, changed) {
  const form = dialog.querySelector("form");
  const reason = form.elements.reason;
  let agent = null;
  const fitReason = () => { reason.disabled = form.elements.state.value !== "not_ready"; };
  form.elements.state.addEventListener("change", fitReason);
  dialog.querySelector(".wb-close").addEventListener("click", () => dialog.close());
  onSubmit(form, async (data) => {
    const [path, init] = stateRequest(agent, data);
    await api("routing", path, init).catch((error) => { throw besideReason(error); });
    dialog.close();
    await changed();
  });
  return (chosen) => {
    agent = chosen;
    form.reset();
    clearProblems(form);
    form.elements.agent_id.value = chosen.id;
    form.elements.state.value = chosen.state === "available" || chosen.state === "busy" ? "not_ready" : "available";
    fitReason();
    dialog.querySelector("#state-agent").replaceChildren(`${chosen.name} (${chosen.id}) · `, stateBadge(chosen));
    dialog.showModal();
  };
}
