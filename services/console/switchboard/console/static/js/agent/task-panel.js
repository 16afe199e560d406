/* One accepted task on the desk: the conversation with its replies on the conversation's own
 * channel (chat, SMS, email), transfer, and completion with a disposition and notes. */

import { api, draft, el, onSubmit, t, when } from "/static/js/console.js";

const DISPOSITIONS = ["resolved", "follow_up", "escalated", "no_answer_needed", "complaint"];

function path(task, suffix = "") {
  return `/v1/conversations/${encodeURIComponent(task.conversation_id)}${suffix}`;
}

function messageItem(message) {
  const status = el("span", { class: "badge", "data-testid": "message-status" }, message.status ? t(`delivery.${message.status}`) : "");
  return {
    node: el("li", { class: `message ${message.direction}`, "data-testid": "message", dataset: { direction: message.direction } },
      message.subject ? el("div", { class: "subject" }, message.subject) : null,
      el("div", { class: "text" }, message.text),
      el("div", { class: "meta muted" }, when(message.created_at), " ", message.direction === "out" ? status : null)),
    status,
  };
}

function replyForm(task, onSent) {
  const text = el("textarea", { name: "text", rows: 3, "data-testid": "reply-text", placeholder: t("reply.placeholder") });
  const subject = task.channel === "email"
    ? el("label", {}, t("reply.subject"), el("input", { name: "subject", "data-testid": "reply-subject" }))
    : null;
  const form = el("form", { class: "reply", novalidate: true },
    subject, el("label", {}, t("reply.label", { channel: t(`channel.${task.channel}`) }), text),
    el("div", { class: "form-error", role: "alert" }),
    el("button", { type: "submit", class: "primary", "data-testid": "reply-send" }, t("reply.send")));
  const kept = draft(text, `reply:${task.conversation_id}`);
  onSubmit(form, async (data) => {
    await api("ingest", path(task, "/messages"), { method: "POST", json: { text: data.text, subject: data.subject } });
    kept.clear();
    await onSent();
  });
  return form;
}

function completeForm(task) {
  const choices = el("datalist", { id: `dispositions-${task.id}` }, DISPOSITIONS.map((code) => el("option", { value: code }, t(`disposition.${code}`))));
  const notes = el("textarea", { name: "notes", rows: 2, "data-testid": "complete-notes" });
  const form = el("form", { class: "complete", novalidate: true },
    el("h3", {}, t("complete.title")),
    el("label", {}, t("complete.disposition"),
      el("input", { name: "disposition", list: choices.id, required: true, "data-testid": "complete-disposition" })), choices,
    el("label", {}, t("complete.notes"), notes),
    el("label", {}, el("input", { type: "checkbox", name: "close", checked: true, "data-testid": "complete-close" }), " ", t("complete.close")),
    el("div", { class: "form-error", role: "alert" }),
    el("button", { type: "submit", class: "primary", "data-testid": "complete-submit" }, t("complete.submit")));
  const kept = draft(notes, `notes:${task.conversation_id}`);
  onSubmit(form, async (data) => {
    await api("routing", `/v1/tasks/${encodeURIComponent(task.id)}/complete`, {
      method: "POST", json: { disposition: data.disposition, notes: data.notes },
    });
    kept.clear();
    if (data.close && task.channel !== "voice") await api("ingest", path(task, "/close"), { method: "POST" });
  });
  return form;
}

function transferForm(task, queues) {
  const queueField = queues.length
    ? el("label", {}, t("transfer.queue"), el("select", { name: "queue_id", "data-testid": "transfer-queue" },
      el("option", { value: "" }, "—"), queues.map((q) => el("option", { value: q.id }, q.name))))
    : null;
  const form = el("form", { class: "transfer", novalidate: true },
    el("h3", {}, t("transfer.title")), queueField,
    el("label", {}, t("transfer.agent"), el("input", { name: "agent_id", "data-testid": "transfer-agent" })),
    el("div", { class: "form-error", role: "alert" }),
    el("button", { type: "submit", "data-testid": "transfer-submit" }, t("transfer.submit")));
  onSubmit(form, async (data) => {
    await api("routing", `/v1/tasks/${encodeURIComponent(task.id)}/transfer`, {
      method: "POST", json: { queue_id: data.queue_id, agent_id: data.agent_id },
    });
  });
  return form;
}

/** The panel of an accepted task; `refresh()` answers how many new customer messages came. */
export function taskPanel(task, { queues }) {
  const list = el("ol", { class: "messages", "data-testid": "messages" });
  const shown = new Map();
  let busy = false;

  async function refresh() {
    if (busy) return 0;
    busy = true;
    try {
      const messages = await api("ingest", path(task, "/messages"));
      let fresh = 0;
      for (const message of messages) {
        const known = shown.get(message.id);
        if (known) { if (message.status) known.status.textContent = t(`delivery.${message.status}`); continue; }
        const item = messageItem(message);
        shown.set(message.id, item);
        list.append(item.node);
        if (message.direction === "in") fresh += 1;
      }
      if (fresh) list.scrollTop = list.scrollHeight;
      return fresh;
    } finally {
      busy = false;
    }
  }

  const node = el("section", { class: "task-panel", role: "tabpanel", "data-testid": "task-panel", dataset: { task: task.id } },
    el("div", { class: "row muted" },
      el("span", { class: "badge" }, t(`channel.${task.channel}`)),
      t("task.since", { at: when(task.accepted_at || task.created_at) }),
      task.tier ? el("span", { class: "badge" }, task.tier) : null),
    list,
    task.channel === "voice" ? el("p", { class: "muted" }, t("task.voice")) : replyForm(task, refresh),
    el("div", { class: "cols" }, completeForm(task), transferForm(task, queues)));
  return { node, refresh, task };
}
