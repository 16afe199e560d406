/* Callbacks owed (a customer promised a call back, an abandoned call, a complaint): earliest due
 * first, overdue ones marked; a supervisor marks one made. */

import { api, el, table, t, when } from "../console.js";
import { label } from "./problems.js";

function dueCell(callback) {
  return el("span", {}, when(callback.due_at),
    callback.overdue ? el("span", { class: "badge bad", "data-testid": "overdue" }, t("callbacks.overdue")) : "");
}

/** Draws the callbacks with `status` into `box`; `campaignName(id)` names their campaigns. */
export async function showCallbacks(box, errorBox, status, campaignName) {
  const callbacks = await api("campaign", `/v1/callbacks?status=${encodeURIComponent(status)}`);
  const markDone = async (callback, button) => {
    button.disabled = true;
    errorBox.textContent = "";
    try {
      await api("campaign", `/v1/callbacks/${callback.id}/done`, { method: "POST" });
      await showCallbacks(box, errorBox, status, campaignName);
    } catch (error) {
      errorBox.textContent = error.message;
      button.disabled = false;
    }
  };
  box.replaceChildren(table([
    { key: "reason", label: t("callbacks.reason"), render: (c) => label("callback", c.reason) },
    { key: "campaign_id", label: t("callbacks.campaign"), render: (c) => (c.campaign_id ? campaignName(c.campaign_id) : "–") },
    { key: "agent_id", label: t("results.agent"), render: (c) => c.agent_id || "–" },
    { key: "due_at", label: t("callbacks.due"), render: dueCell },
    { key: "deadline_at", label: t("callbacks.deadline"), render: (c) => when(c.deadline_at) },
    { key: "status", label: t("attempts.status"), render: (c) => label("callbacks", c.status) },
    { key: "id", label: "", render: (c) => (c.status === "pending"
      ? el("button", { type: "button", "data-testid": "callback-done", onclick: (e) => markDone(c, e.currentTarget) },
        t("callbacks.mark_done"))
      : "") },
  ], callbacks, { testid: "callbacks-table" }));
}
