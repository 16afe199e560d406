/* Contacts waiting now, oldest first, and the supervisor's move to another queue. */

import { api, clearProblems, el, onSubmit, t, table } from "/static/js/console.js";
import { ticking } from "/static/js/wallboard/clock.js";
import { channelName } from "/static/js/wallboard/format.js";

const WAITING = ["pending", "queued", "offered"];

export function waitingTasks(tasks) {
  return tasks.filter((task) => WAITING.includes(task.status))
    .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

export function renderWaiting(box, tasks, queueNames, { onMove }) {
  const columns = [
    { label: t("wb.channel"), render: (task) => el("span", { class: "badge" }, channelName(task.channel)) },
    { label: t("wb.queue"), render: (task) => el("span", { "data-testid": "task-queue" }, queueNames.get(task.queue_id) || t("wb.unrouted")) },
    { label: t("wb.status"), render: (task) => t(`task.${task.status}`) + (task.agent_id ? ` · ${task.agent_id}` : "") },
    { label: t("wb.waited"), render: (task) => ticking(task.created_at) },
    { label: t("wb.priority"), render: (task) => task.priority },
    { label: t("wb.tier"), render: (task) => task.tier || "–" },
    {
      label: "",
      render: (task) => task.status === "queued"
        && el("button", { type: "button", "data-testid": "move-task", onclick: () => onMove(task) }, t("wb.move")),
    },
  ];
  const grid = table(columns, tasks, { testid: "waiting-tasks", empty: t("wb.nobody_waiting") });
  [...grid.tBodies[0].rows].forEach((row, i) => {
    if (!tasks[i]) return;
    row.dataset.testid = "task-row";
    row.dataset.taskId = tasks[i].id;
  });
  box.replaceChildren(grid);
}

/** Wires the move dialog; returns `open(task, queues)` (queues: every queue, with its channels). */
export function moveDialog(dialog, moved) {
  const form = dialog.querySelector("form");
  dialog.querySelector(".wb-close").addEventListener("click", () => dialog.close());
  onSubmit(form, async ({ task_id: taskId, queue_id: queueId, priority }) => {
    await api("routing", `/v1/tasks/${encodeURIComponent(taskId)}`, { method: "PATCH", json: { queue_id: queueId, priority } });
    dialog.close();
    await moved();
  });
  return (task, queues) => {
    form.reset();
    clearProblems(form);
    form.elements.task_id.value = task.id;
    const serving = queues.filter((q) => q.id !== task.queue_id && q.channels.includes(task.channel));
    form.elements.queue_id.replaceChildren(...serving.map((q) => el("option", { value: q.id }, q.name)));
    const from = queues.find((q) => q.id === task.queue_id);
    dialog.querySelector("#move-task").textContent =
      t("wb.move_from", { channel: channelName(task.channel), queue: from ? from.name : t("wb.unrouted") });
    dialog.showModal();
  };
}
