/* How the wallboard writes figures: percentages against targets, states and channels. */

import { el, percent, t } from "/static/js/console.js";

const STATE_TONE = { available: "ok", busy: "info", wrap_up: "warn", not_ready: "bad", logged_out: "off" };

export function stateBadge(agent) {
  const reason = agent.reason ? ` · ${t(`reason.${agent.reason}`)}` : "";
  return el("span", { class: `badge ${STATE_TONE[agent.state] || ""}`, "data-testid": "agent-state" },
    t(`state.${agent.state}`) + reason);
}

export function channelName(channel) {
  return t(`channel.${channel}`);
}

/** A service level against its target: green at or above, amber within 10 points, red below. */
export function levelBadge(value, target) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "–");
  const tone = value >= target ? "ok" : value >= target - 0.1 ? "warn" : "bad";
  return el("span", { class: `badge ${tone}` }, percent(value));
}

export function orDash(value, render) {
  return value === null || value === undefined ? "–" : render(value);
}
