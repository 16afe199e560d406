/* Outbound preview dialing: the next contact's record and script first, then dial or skip;
 * on the call, the questionnaire's answers and the disposition go to campaign. */

import { api, ApiError, el, me, onSubmit, t, when } from "/static/js/console.js";

const CODES = ["sale", "callback", "not_interested", "wrong_number", "do_not_call", "complaint"];
const form = document.getElementById("preview-form");
const area = document.getElementById("preview");
const CALL_KEY = `sb-call:${me.tenant}:${me.subject}`;

function recordSheet(record) {
  const rows = Object.entries(record.fields).map(([name, value]) => el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, value)));
  return el("table", { class: "grid record", "data-testid": "preview-record" },
    el("tbody", {},
      record.address_masked
        ? el("tr", {}, el("th", { scope: "row" }, t("outbound.number")), el("td", {}, record.address_masked)) : null,
      rows,
      record.attempts_made !== undefined
        ? el("tr", {}, el("th", { scope: "row" }, t("outbound.attempts")), el("td", {}, String(record.attempts_made))) : null,
      record.callback_due
        ? el("tr", {}, el("th", { scope: "row" }, t("outbound.callback_due")), el("td", {}, when(record.callback_due))) : null));
}

function script(text) {
  return el("section", {}, el("h3", {}, t("outbound.script")),
    el("p", { class: "script", "data-testid": "preview-script" }, text || t("outbound.no_script")));
}

function questionField(question, answer) {
  if (question.kind === "choice") {
    return el("select", { name: question.id }, el("option", { value: "" }, "—"),
      question.choices.map((choice) => el("option", { value: choice, selected: choice === answer }, choice)));
  }
  if (question.kind === "score") {
    return el("input", { name: question.id, type: "text", inputmode: "numeric", value: answer || "", placeholder: "0–10" });
  }
  return el("textarea", { name: question.id, rows: 2 }, answer || "");
}

function answersForm(sheet) {
  const questions = sheet.questions || [];
  const saved = el("span", { class: "badge ok", "data-testid": "answers-saved", hidden: true }, t("outbound.answers_saved"));
  const form = el("form", { class: "answers", novalidate: true, "data-testid": "answers-form" },
    el("h3", {}, t("outbound.questions")),
    questions.map((q) => el("label", {}, q.text, questionField(q, (sheet.answers || {})[q.id]))),
    el("div", { class: "form-error", role: "alert" }),
    el("div", { class: "row" }, el("button", { type: "submit", "data-testid": "answers-submit" }, t("outbound.save_answers")), saved));
  onSubmit(form, async (data) => {
    saved.hidden = true;
    await api("campaign", `/v1/attempts/${encodeURIComponent(sheet.attempt_id)}/answers`, { method: "POST", json: { answers: data } });
    saved.hidden = false;
  });
  return questions.length ? form : null;
}

function dispositionForm(attemptId) {
  const choices = el("datalist", { id: "campaign-codes" }, CODES.map((code) => el("option", { value: code }, t(`code.${code}`))));
  const form = el("form", { class: "disposition", novalidate: true, "data-testid": "outbound-disposition" },
    el("h3", {}, t("outbound.disposition")),
    el("label", {}, t("complete.disposition"), el("input", { name: "code", list: choices.id, required: true, "data-testid": "outbound-code" })), choices,
    el("label", {}, t("outbound.callback_at"), el("input", { name: "callback_at", type: "datetime-local" })),
    el("label", {}, t("complete.notes"), el("textarea", { name: "notes", rows: 2 })),
    el("div", { class: "form-error", role: "alert" }),
    el("button", { type: "submit", class: "primary", "data-testid": "outbound-code-submit" }, t("outbound.record")));
  onSubmit(form, async (data) => {
    const callbackAt = data.callback_at ? new Date(data.callback_at).toISOString() : undefined;
    const done = await api("campaign", `/v1/attempts/${encodeURIComponent(attemptId)}/disposition`, {
      method: "POST", json: { code: data.code, callback_at: callbackAt, notes: data.notes },
    });
    localStorage.removeItem(CALL_KEY);
    area.replaceChildren(el("p", { class: "badge ok", "data-testid": "outbound-done" }, t("outbound.done", { code: done.disposition })));
  });
  return form;
}

async function showCall(attemptId) {
  const sheet = await api("campaign", `/v1/attempts/${encodeURIComponent(attemptId)}/script`);
  area.replaceChildren(
    el("p", { class: "badge warn", "data-testid": "outbound-call" }, t("outbound.on_call")),
    el("div", { class: "cols" },
      el("div", {}, recordSheet({ fields: sheet.fields }), script(sheet.script)),
      el("div", {}, answersForm(sheet), dispositionForm(attemptId))));
}

function showRecord(campaignId, record) {
  const base = `/v1/campaigns/${encodeURIComponent(campaignId)}/preview/${encodeURIComponent(record.contact_id)}`;
  const problem = el("div", { class: "form-error", role: "alert" });
  const act = (action) => async () => {
    try {
      const answer = await api("campaign", `${base}/${action}`, { method: "POST" });
      if (action === "skip") { area.replaceChildren(el("p", { class: "muted" }, t("outbound.skipped"))); return; }
      localStorage.setItem(CALL_KEY, answer.id);
      await showCall(answer.id);
    } catch (error) {
      problem.textContent = error.message;
    }
  };
  area.replaceChildren(
    el("div", { class: "cols" },
      el("div", {}, recordSheet(record), el("p", { class: "muted" }, t("outbound.allowed_by", { rule: record.allowed_by }))),
      el("div", {}, script(record.script),
        record.questions ? el("ul", { class: "plain" }, record.questions.map((q) => el("li", {}, q.text))) : null)),
    problem,
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", "data-testid": "preview-dial", onclick: act("dial") }, t("outbound.dial")),
      el("button", { type: "button", "data-testid": "preview-skip", onclick: act("skip") }, t("outbound.skip"))));
}

async function offerCampaigns() {
  const list = document.getElementById("campaign-choices");
  try {
    const campaigns = await api("campaign", "/v1/campaigns");
    list.replaceChildren(...campaigns.filter((c) => c.kind === "preview" && c.status === "running")
      .map((c) => el("option", { value: c.id }, c.name)));
  } catch {
    // unlisted (the campaign service refused): the supervisor gives the campaign's id or link
  }
}

export function startOutbound() {
  const asked = new URLSearchParams(location.search).get("campaign");
  if (asked) form.elements.campaign_id.value = asked;
  onSubmit(form, async (data) => {
    if (!data.campaign_id) {
      throw new ApiError(422, { errors: [{ field: "campaign_id", message: t("outbound.campaign_needed") }] });
    }
    const record = await api("campaign", `/v1/campaigns/${encodeURIComponent(data.campaign_id)}/preview/next`, { method: "POST" });
    if (record) showRecord(data.campaign_id, record);
    else area.replaceChildren(el("p", { class: "muted", "data-testid": "preview-none" }, t("outbound.none_due")));
  });
  const call = localStorage.getItem(CALL_KEY);
  if (call) showCall(call).catch(() => localStorage.removeItem(CALL_KEY));
  offerCampaigns();
}
