/* One evaluation: the contact's transcript beside the scorecard. Answers the automatic checks
 * gave come filled in and marked; the evaluator may change one, saying why. The score is worked
 * out as the answers change; qa's own score is shown once submitted. */

import { ApiError, api, draft, el, me, onSubmit, showProblem, t } from "/static/js/console.js";
import { REVIEWER, heading, link, shortId, statusBadge } from "/static/js/qa/common.js";
import { allVersions, appliesTo, formOf, scoreOf } from "/static/js/qa/forms.js";
import { agentActions } from "/static/js/qa/review.js";
import { contactSummary, transcript } from "/static/js/qa/transcript.js";

export async function showEvaluation(view, evaluationId) {
  const evaluation = await api("qa", `/v1/evaluations/${evaluationId}`);
  const [contact, versions] = await Promise.all([
    api("qa", `/v1/contacts/${evaluation.conversation_id}`).catch(erasedAsNull),
    allVersions(),
  ]);
  const card = formOf(evaluation, versions);
  if (!card) throw new Error(t("qa.eval.no_form"));
  const mode = modeOf(evaluation);
  const sheet = sheetForm(evaluation, card, mode, verdictsOf(contact));
  view.replaceChildren(
    heading(t("qa.eval.title", { id: shortId(evaluation.conversation_id) }), link("#/evaluations", t("qa.back"))),
    summary(evaluation, card),
    contact ? contactSummary(contact) : el("p", { class: "muted" }, t("qa.eval.no_transcript")),
    el("div", { class: "evaluation-layout" }, contact ? transcript(contact) : el("div"), sheet),
    agentActions(evaluation, () => showEvaluation(view, evaluationId)));
  if (mode !== "read") wire(sheet, evaluation, mode, (saved) => {
    history.replaceState(null, "", `#/evaluations/${saved.id}`);
    return showEvaluation(view, saved.id);
  });
}

/** qa forgets a transcript when its customer is erased; the evaluation stays. */
function erasedAsNull(error) {
  if (error.status === 404) return null;
  throw error;
}

/** "answer" while the evaluator works, "re_review" for a reviewer settling a dispute, else "read". */
function modeOf(evaluation) {
  const mine = evaluation.evaluator_id === me.subject || REVIEWER();
  if (evaluation.status === "assigned" && mine) return "answer";
  if (evaluation.status === "disputed" && REVIEWER()) return "re_review";
  return "read";
}

function summary(evaluation, card) {
  return el("div", { class: "row eval-summary" },
    statusBadge(evaluation.status),
    el("span", {}, t("qa.eval.scorecard", { name: card.name, version: card.version })),
    el("span", {}, t("qa.eval.evaluator", { name: evaluation.evaluator_id })),
    el("span", {}, t(`qa.reason.${evaluation.reason}`)),
    evaluation.score !== null ? el("span", { class: "big", "data-testid": "score" }, evaluation.score) : "",
    evaluation.failed_critical ? el("span", { class: "badge bad" }, t("qa.eval.failed_critical")) : "",
    evaluation.dispute_reason ? el("p", { class: "dispute", "data-testid": "dispute-reason" },
      t("qa.eval.dispute_reason"), " ", evaluation.dispute_reason) : "",
    evaluation.review_comment ? el("p", {}, t("qa.eval.review_comment"), " ", evaluation.review_comment) : "");
}

/* ---- the sheet ---- */

/** What each automatic check says about the contact now: {check: "yes" | "no"}. */
function verdictsOf(contact) {
  const verdicts = {};
  for (const check of contact?.checks || []) {
    if (check.passed !== null) verdicts[check.check] = check.passed ? "yes" : "no";
  }
  return verdicts;
}

function sheetForm(evaluation, card, mode, verdicts) {
  const editable = mode !== "read";
  const form = el("form", { class: "card sheet", novalidate: true, "data-testid": "evaluation-form" },
    el("div", { class: "form-error", role: "alert" }),
    ...card.definition.sections.map((section) => el("section", { class: "sheet-section" },
      el("h3", {}, section.title),
      ...section.questions.map((q) => answerFields(q, evaluation, editable, verdicts)))),
    el("p", { class: "row" }, t("qa.eval.preview"), el("strong", { "data-testid": "score-preview" }),
      el("span", { class: "badge bad", hidden: true, "data-testid": "critical-preview" }, t("qa.eval.failed_critical"))),
    el("label", {}, mode === "re_review" ? t("qa.eval.review_comment_field") : t("qa.eval.overall_comment"),
      el("textarea", { name: "comment", rows: 3, disabled: !editable },
        mode === "re_review" ? "" : evaluation.comment || "")),
    mode === "answer" ? el("div", { class: "row" },
      el("button", { type: "button", "data-testid": "save-draft" }, t("qa.eval.save_draft")),
      el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "primary", "data-testid": "submit" }, t("qa.eval.submit"))) : "",
    mode === "re_review" ? el("div", { class: "row" }, el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "primary", "data-testid": "re-review" }, t("qa.eval.settle"))) : "");
  form.addEventListener("change", () => preview(form, card, evaluation));
  preview(form, card, evaluation);
  return form;
}

function answerFields(question, evaluation, editable, verdicts) {
  const given = evaluation.answers[question.key] || {};
  const prefilled = evaluation.prefilled.includes(question.key);
  const checkSays = verdicts[question.auto_check] ?? (prefilled ? String(given.value) : undefined);
  const automatic = Boolean(question.auto_check) && checkSays !== undefined;
  // while answering, the check's own comment is shown beside an automatic answer kept as it is
  const checkComment = editable && automatic && prefilled && String(given.value) === checkSays ? given.comment || "" : "";
  const applies = appliesTo(question, evaluation.channel);
  const value = el("select", { name: `answers.${question.key}.value`, disabled: !editable || !applies,
    "aria-label": question.text }, choices(question, given.value));
  const comment = el("input", { name: `answers.${question.key}.comment`, value: checkComment ? "" : given.comment || "",
    disabled: !editable, placeholder: automatic ? t("qa.eval.override_comment") : t("qa.eval.comment"),
    "aria-label": t("qa.eval.comment") });
  const mark = automatic ? el("span", { class: "badge auto", "data-testid": "auto-answer" }) : "";
  const showMark = () => {
    const changed = value.value !== "" && value.value !== checkSays;
    mark.textContent = changed ? t("qa.eval.overridden", { value: answerLabel(checkSays) }) : t("qa.eval.automatic");
    mark.classList.toggle("warn", changed);
  };
  if (automatic) {
    showMark();
    value.addEventListener("change", showMark);
  }
  const dataset = { question: question.key, ...(checkComment ? { autoValue: checkSays, autoComment: checkComment } : {}) };
  return el("fieldset", { name: `answers.${question.key}`, class: "answer", dataset },
    el("div", { class: "row" },
      el("span", { class: "q-text" }, question.text),
      question.critical ? el("span", { class: "badge bad" }, t("qa.scorecard.critical")) : "",
      el("span", { class: "muted" }, t("qa.eval.weight", { weight: question.weight })),
      applies ? "" : el("span", { class: "muted" }, t("qa.eval.not_applicable")),
      mark),
    el("div", { class: "answer-fields" }, value, comment),
    checkComment ? el("p", { class: "hint auto-detail" }, checkComment) : "");
}

function choices(question, current) {
  const options = question.kind === "scale"
    ? Array.from({ length: question.scale_max + 1 }, (_, n) => String(n))
    : ["yes", "no"];
  if (question.allow_na) options.push("na");
  const chosen = current === undefined ? "" : String(current);
  return [el("option", { value: "" }, "—"),
    ...options.map((v) => el("option", { value: v, selected: v === chosen }, answerLabel(v)))];
}

function answerLabel(value) {
  return ["yes", "no", "na"].includes(String(value)) ? t(`qa.answer.${value}`) : String(value);
}

/** The answers as the sheet shows them: {key: {value, comment}} for every question answered. */
function answersOf(form) {
  const answers = {};
  for (const fieldset of form.querySelectorAll("fieldset.answer")) {
    const key = fieldset.dataset.question;
    const raw = fieldset.querySelector("select").value;
    if (raw === "") continue;
    const typed = fieldset.querySelector("input").value.trim();
    // an automatic answer kept as it is keeps the check's own comment
    const comment = typed || (raw === fieldset.dataset.autoValue ? fieldset.dataset.autoComment : "");
    answers[key] = { value: ["yes", "no", "na"].includes(raw) ? raw : Number(raw), ...(comment ? { comment } : {}) };
  }
  return answers;
}

function preview(form, card, evaluation) {
  const { score, failedCritical } = scoreOf(card.definition, answersOf(form), evaluation.channel);
  form.querySelector("[data-testid=score-preview]").textContent = String(score);
  form.querySelector("[data-testid=critical-preview]").hidden = !failedCritical;
}

/* ---- saving ---- */

function wire(form, evaluation, mode, done) {
  const comment = draft(form.elements.comment, `qa-evaluation:${evaluation.id}`);
  const send = async (path, method) => {
    const answers = answersOf(form);
    explainedOverrides(evaluation, answers);
    const body = { answers, comment: form.elements.comment.value.trim() || null };
    try {
      return await api("qa", `/v1/evaluations/${evaluation.id}${path}`, { method, json: body });
    } catch (error) {
      throw questionProblem(error);
    }
  };
  onSubmit(form, async () => {
    const saved = await send(mode === "re_review" ? "/re-review" : "/submit", "POST");
    comment.clear();
    await done(saved);
  });
  form.querySelector("[data-testid=save-draft]")?.addEventListener("click", async () => {
    try {
      await done(await send("", "PATCH"));
    } catch (error) {
      showProblem(form, error);
    }
  });
}

/** An automatic answer changed by hand needs a comment of the evaluator's own. */
function explainedOverrides(evaluation, answers) {
  const errors = evaluation.prefilled
    .filter((key) => answers[key] && evaluation.answers[key] && answers[key].value !== evaluation.answers[key].value
      && !answers[key].comment)
    .map((key) => ({ field: `answers.${key}.comment`, message: t("qa.eval.override_needs_comment") }));
  if (errors.length) throw new ApiError(422, { detail: t("qa.eval.override_needs_comment"), errors });
}

/** qa names the question an answer is wrong for; the message goes next to that question. */
function questionProblem(error) {
  if (!(error instanceof ApiError) || !error.problem.question || error.problem.errors) return error;
  return new ApiError(error.status, { ...error.problem,
    errors: [{ field: `answers.${error.problem.question}`, message: error.problem.detail }] });
}
