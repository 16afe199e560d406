/* Contacts as qa saw them, and one contact: its transcript, its evaluations, and (for a
 * supervisor) assigning it to an evaluator on a scorecard. */

import { api, el, onSubmit, t, table, when } from "/static/js/console.js";
import { REVIEWER, heading, link, sentimentBadge, shortId, showing } from "/static/js/qa/common.js";
import { evaluationsTable } from "/static/js/qa/queue.js";
import { contactSummary, transcript } from "/static/js/qa/transcript.js";

export async function showContacts(view) {
  const filters = el("form", { class: "row filters" },
    el("label", { class: "inline" }, t("qa.agent"), el("input", { name: "agent_id" })),
    el("label", { class: "inline" }, el("input", { type: "checkbox", name: "growing_angrier" }), t("qa.growing_angrier")),
    el("button", { type: "submit" }, t("action.refresh")));
  const list = el("div");
  view.replaceChildren(el("section", { class: "card" }, heading(t("qa.tab.contacts")), filters, list));
  const load = async () => {
    const params = new URLSearchParams({ limit: "100" });
    if (filters.elements.agent_id.value.trim()) params.set("agent_id", filters.elements.agent_id.value.trim());
    if (filters.elements.growing_angrier.checked) params.set("growing_angrier", "true");
    list.replaceChildren(contactsTable(await api("qa", `/v1/contacts?${params}`)));
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); showing(list, load); });
  await load();
}

function contactsTable(rows) {
  return table([
    { key: "conversation_id", label: t("qa.contact"), render: (c) => link(`#/contacts/${c.conversation_id}`,
      shortId(c.conversation_id), { "data-testid": "open-contact", dataset: { conversation: c.conversation_id } }) },
    { key: "opened_at", label: t("qa.opened"), render: (c) => when(c.opened_at) },
    { key: "channel", label: t("qa.channel"), render: (c) => t(`qa.channel.${c.channel}`) },
    { key: "agent_id", label: t("qa.agent") },
    { key: "disposition", label: t("qa.disposition") },
    { key: "message_count", label: t("qa.messages") },
    { key: "sentiment", label: t("qa.sentiment"), render: (c) => sentimentBadge(c.sentiment) },
    { key: "flags", label: t("qa.flags"), render: (c) => [
      c.growing_angrier ? el("span", { class: "badge bad" }, t("qa.growing_angrier")) : "",
      c.sensitive_data ? el("span", { class: "badge warn" }, t("qa.sensitive_data")) : ""] },
  ], rows, { testid: "contacts" });
}

export async function showContact(view, conversationId) {
  const [contact, evaluations] = await Promise.all([
    api("qa", `/v1/contacts/${conversationId}`),
    api("qa", `/v1/evaluations?conversation_id=${encodeURIComponent(conversationId)}`),
  ]);
  const side = el("div", {},
    el("section", { class: "card" }, el("h2", {}, t("qa.contact_evaluations")), evaluationsTable(evaluations)),
    REVIEWER() ? await assignForm(contact) : "");
  view.replaceChildren(heading(t("qa.contact_title", { id: shortId(conversationId) }), link("#/contacts", t("qa.back"))),
    contactSummary(contact), el("div", { class: "cols" }, transcript(contact), side));
}

async function assignForm(contact) {
  const cards = await api("qa", "/v1/scorecards");
  const form = el("form", { class: "card", novalidate: true, "data-testid": "assign-form" },
    el("h2", {}, t("qa.assign.title")),
    el("div", { class: "form-error", role: "alert" }),
    el("label", {}, t("qa.assign.scorecard"), el("select", { name: "scorecard_id" },
      cards.map((c) => el("option", { value: c.id }, `${c.name} (v${c.version})`)))),
    el("label", {}, t("qa.assign.evaluator"), el("input", { name: "evaluator_id", value: "evaluator" })),
    el("button", { type: "submit", class: "primary" }, t("qa.assign.submit")));
  onSubmit(form, async (data) => {
    const made = await api("qa", "/v1/evaluations", { method: "POST", json: {
      conversation_id: contact.conversation_id, scorecard_id: data.scorecard_id ?? "", evaluator_id: data.evaluator_id ?? "" } });
    location.hash = `#/evaluations/${made.id}`;
  });
  return form;
}
