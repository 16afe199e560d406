/* Scorecard forms: the score arithmetic (qa's, mirrored for the live preview while answering)
 * and finding the version an evaluation was made with. */

import { api } from "/static/js/console.js";

export const AUTO_CHECKS = ["greeting", "closing", "forbidden_phrases", "first_response", "response_time"];
export const CHANNELS = ["chat", "sms", "email", "voice"];

export function questionsOf(definition) {
  return definition.sections.flatMap((section) => section.questions);
}

export function appliesTo(question, channel) {
  return !question.channels || question.channels.includes(channel);
}

/** 100 × points earned / points possible over applicable, not-n.a. answers; 0 when a critical one is "no". */
export function scoreOf(definition, answers, channel) {
  let earned = 0, possible = 0, failedCritical = false;
  for (const question of questionsOf(definition)) {
    const answer = answers[question.key];
    if (!answer || answer.value === "na" || !appliesTo(question, channel)) continue;
    const weight = Number(question.weight ?? 1);
    if (question.kind === "scale") {
      earned += (weight * Number(answer.value)) / Number(question.scale_max ?? 5);
    } else {
      earned += answer.value === "yes" ? weight : 0;
      failedCritical ||= Boolean(question.critical) && answer.value === "no";
    }
    possible += weight;
  }
  const total = possible === 0 ? 100 : (100 * earned) / possible;
  return { score: failedCritical ? 0 : Math.round(total * 100) / 100, failedCritical };
}

/** Every version of every scorecard of the tenant: [{id, name, version, definition, created_at}]. */
export async function allVersions() {
  const cards = await api("qa", "/v1/scorecards");
  const older = await Promise.all(cards.flatMap((card) =>
    Array.from({ length: card.version - 1 }, (_, n) => api("qa", `/v1/scorecards/${card.id}/versions/${n + 1}`))));
  return [...cards, ...older];
}

/**
 * The form an evaluation was made with. qa's evaluation names its version only by an id the
 * scorecard API does not show, so the form is recognised: the newest version of each scorecard
 * written before the assignment, whose questions cover every key already answered.
 */
export function formOf(evaluation, versions) {
  const assigned = new Date(evaluation.assigned_at);
  const latest = new Map();
  for (const version of versions) {
    if (new Date(version.created_at) > assigned) continue;
    const known = latest.get(version.id);
    if (!known || known.version < version.version) latest.set(version.id, version);
  }
  const answered = Object.keys(evaluation.answers);
  const fits = [...latest.values()].filter((version) => {
    const keys = new Set(questionsOf(version.definition).map((q) => q.key));
    return answered.every((key) => keys.has(key));
  });
  fits.sort((a, b) => new Date(b.created_at) - new Date(a.created_at));
  return fits[0] || null;
}
