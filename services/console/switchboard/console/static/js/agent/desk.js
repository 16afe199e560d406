/* The desk: a tab per accepted task (several chats at once), the customer of the tab in view,
 * and the conversations kept fresh (ingest has no stream for agents: every 1.5 s). */

import { api, ApiError, el, t } from "/static/js/console.js";
import { screenPop, showCustomer } from "/static/js/agent/customer.js";
import { taskPanel } from "/static/js/agent/task-panel.js";

const POLL_MS = 1500;

/** The queues a task can go to; where the deployment refuses agents the list: colleagues only. */
export async function transferQueues() {
  try {
    return await api("routing", "/v1/queues");
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return [];
    throw error;
  }
}

/** The desk; `queues` are the transfer targets. */
export function desk(queues) {
  const tabs = document.getElementById("task-tabs");
  const panels = document.getElementById("task-panels");
  const none = document.getElementById("no-tasks");
  const aside = document.getElementById("customer");
  const open = new Map();
  let active = null;
  let wanted = null;

  function select(id) {
    active = id;
    for (const [taskId, entry] of open) {
      const chosen = taskId === id;
      entry.panel.node.hidden = !chosen;
      entry.tab.setAttribute("aria-selected", String(chosen));
      if (chosen) entry.unread.textContent = "";
    }
    const entry = open.get(id);
    if (entry) {
      aside.dataset.task = id;
      showCustomer(aside, entry.panel.task);
    }
  }

  function tabFor(task) {
    const unread = el("span", { class: "badge bad unread", "data-testid": "tab-unread" });
    const name = el("span", { class: "who" }, t(`channel.${task.channel}`));
    const tab = el("button", { type: "button", role: "tab", class: "task-tab", "data-testid": "task-tab", dataset: { task: task.id },
      onclick: () => select(task.id) }, name, unread);
    screenPop(task).then((pop) => {
      if (pop && pop.customer.name) name.textContent = `${t(`channel.${task.channel}`)} · ${pop.customer.name}`;
    }, () => {});
    return { tab, unread };
  }

  function add(task) {
    const entry = { ...tabFor(task), panel: taskPanel(task, { queues }) };
    open.set(task.id, entry);
    tabs.append(entry.tab);
    panels.append(entry.panel.node);
    entry.panel.refresh().catch(() => 0);
    if (!active || wanted === task.id) select(task.id);
    else entry.panel.node.hidden = true;
  }

  /** Brings the task's tab to the front, now or as soon as the feed shows it accepted. */
  function focus(id) {
    if (open.has(id)) select(id);
    else wanted = id;
  }

  function drop(id) {
    const entry = open.get(id);
    entry.tab.remove();
    entry.panel.node.remove();
    open.delete(id);
    if (active === id) {
      active = null;
      const next = open.keys().next();
      if (!next.done) select(next.value);
      else {
        delete aside.dataset.task;
        aside.replaceChildren(el("h2", {}, t("pop.title")), el("p", { class: "muted" }, t("pop.none")));
      }
    }
  }

  /** Keeps a tab for every task the agent holds (accepted), from the desktop feed. */
  function render(tasks) {
    const held = new Map(tasks.filter((task) => task.status === "accepted").map((task) => [task.id, task]));
    for (const id of [...open.keys()]) if (!held.has(id)) drop(id);
    for (const [id, task] of held) if (!open.has(id)) add(task);
    none.hidden = held.size > 0;
  }

  setInterval(() => {
    for (const [id, entry] of open) {
      entry.panel.refresh().then((fresh) => {
        if (fresh && id !== active) entry.unread.textContent = String(Number(entry.unread.textContent || 0) + fresh);
      }, () => {});
    }
  }, POLL_MS);

  return { render, focus };
}
