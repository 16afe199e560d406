/* The agent's routing state: sign in to the queues, available or not ready with a reason,
 * the load per channel and the wrap-up countdown. */

import { api, duration, onSubmit, showProblem, t } from "/static/js/console.js";

const form = document.getElementById("state-form");
const badge = document.getElementById("agent-state");
const load = document.getElementById("agent-load");
const wrapUp = document.getElementById("wrap-up");
const endWrapUp = document.getElementById("end-wrap-up");
const signOut = document.getElementById("routing-sign-out");
const submit = document.getElementById("state-submit");
const reasonField = document.getElementById("reason-field");

const BADGE_CLASS = { available: "ok", busy: "ok", wrap_up: "warn", not_ready: "bad", logged_out: "" };

function stateLabel(agent) {
  const state = t(`state.${agent.state}`);
  return agent.state === "not_ready" && agent.reason ? `${state} · ${t(`reason.${agent.reason}`)}` : state;
}

function loadLabel(agent) {
  return Object.entries(agent.capacity)
    .filter(([, slots]) => slots > 0)
    .map(([channel, slots]) => `${t(`channel.${channel}`)} ${agent.load[channel] || 0}/${slots}`)
    .join(" · ");
}

/** The state bar of agent `agentId`; `onGesture` runs on the agent's clicks (sound may start then). */
export function stateBar(agentId, { onGesture }) {
  const path = `/v1/agents/${encodeURIComponent(agentId)}`;
  let agent = null;

  const showReason = () => {
    const notReady = form.elements.state.value === "not_ready";
    reasonField.hidden = !notReady;
    form.elements.reason.disabled = !notReady;
  };
  form.elements.state.addEventListener("change", showReason);

  function tickWrapUp() {
    const until = agent && agent.state === "wrap_up" && agent.wrap_up_until;
    wrapUp.hidden = !until;
    endWrapUp.hidden = !until;
    if (until) wrapUp.textContent = t("agent.wrap_up_left", { left: duration((Date.parse(until) - Date.now()) / 1000) });
  }
  setInterval(tickWrapUp, 1000);

  function render(next) {
    agent = next;
    const signedOut = agent.state === "logged_out";
    badge.textContent = stateLabel(agent);
    badge.className = `badge ${BADGE_CLASS[agent.state] || ""}`;
    badge.dataset.state = agent.state;
    load.textContent = signedOut ? "" : loadLabel(agent);
    submit.textContent = signedOut ? submit.dataset.signIn : submit.dataset.change;
    signOut.hidden = signedOut;
    tickWrapUp();
  }

  onSubmit(form, async (data) => {
    onGesture();
    const signedOut = !agent || agent.state === "logged_out";
    render(signedOut
      ? await api("routing", `${path}/sign-in`, { method: "POST", json: data })
      : await api("routing", `${path}/state`, { method: "PUT", json: data }));
  });
  signOut.addEventListener("click", async () => {
    try {
      render(await api("routing", `${path}/sign-out`, { method: "POST" }));
    } catch (error) {
      showProblem(form, error);
    }
  });
  endWrapUp.addEventListener("click", async () => {
    try {
      render(await api("routing", `${path}/state`, { method: "PUT", json: { state: "available" } }));
    } catch (error) {
      showProblem(form, error);
    }
  });
  showReason();
  return { render };
}
