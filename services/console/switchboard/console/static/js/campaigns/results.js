/* A campaign's results: the funnel (tiles and chart), outcomes, contacts by status, agents,
 * survey scores, the results as CSV; live pacing for voice; the attempts with the rule that allowed each. */

import { api, chart, downloadCsv, duration, el, percent, table, t, when } from "../console.js";
import { label } from "./problems.js";

const FUNNEL = ["listed", "suppressed", "attempted", "connected", "converted"];
const COLORS = ["#1a73e8", "#b06000", "#7b61ff", "#188038", "#0b8043"];

function tile(testid, name, value, extra = null) {
  return el("div", { class: "tile", "data-testid": testid },
    el("div", { class: "label" }, name), el("div", { class: "big" }, value), extra);
}

function countsTable(title, group, counts, testid) {
  const rows = Object.entries(counts).map(([key, n]) => ({ key, n }));
  return el("div", {}, el("h3", {}, t(`results.${title}`)), table([
    { key: "key", label: t(`results.${group}_key`), render: (r) => label(group, r.key) },
    { key: "n", label: t("results.count") },
  ], rows, { testid }));
}

function agentsTable(agents) {
  return el("div", {}, el("h3", {}, t("results.by_agent")), table([
    { key: "agent_id", label: t("results.agent") },
    { key: "attempts", label: t("funnel.attempted") },
    { key: "connected", label: t("funnel.connected") },
    { key: "converted", label: t("funnel.converted") },
    { key: "completion_rate", label: t("results.completion_rate"), render: (r) => percent(r.completion_rate) },
  ], agents, { testid: "agents-table" }));
}

function surveyTiles(survey) {
  return el("div", {}, el("h3", {}, t("results.survey")), el("div", { class: "tiles", "data-testid": "survey" },
    Object.entries(survey).map(([key, value]) => tile(`survey-${key}`, label("survey_result", key), value))));
}

/** Contacts due later, by the rule that holds them (weekly cap, a promised callback, …); "later"
 * when no rule is named: outside their calling hours, or a retry's delay. */
function waitingBy(contacts) {
  const counts = {};
  const now = Date.now();
  for (const c of contacts) {
    if (c.status !== "pending" || !c.next_attempt_at || Date.parse(c.next_attempt_at) <= now) continue;
    const why = c.suppressed_reason || (c.callback_due ? "callback" : "later");
    counts[why] = (counts[why] || 0) + 1;
  }
  return counts;
}

export function renderResults(parts, campaign, results, contacts) {
  const values = FUNNEL.map((key) => results.funnel[key]);
  parts.tiles.replaceChildren(...FUNNEL.map((key, i) => tile(`funnel-${key}`, t(`funnel.${key}`), values[i])));
  parts.funnel.replaceChildren(chart({
    title: t("results.funnel"), labels: FUNNEL.map((key) => t(`funnel.${key}`)),
    series: [{ name: campaign.name, values, color: COLORS[0] }],
  }));
  const outcomes = Object.entries(results.outcomes);
  parts.outcomes.replaceChildren(outcomes.length
    ? chart({ title: t("results.outcomes"), labels: outcomes.map(([key]) => label("outcome", key)),
      series: [{ name: t("results.attempts"), values: outcomes.map(([, n]) => n), color: COLORS[3] }] })
    : el("p", { class: "muted" }, t("results.no_outcomes")));
  parts.tables.replaceChildren(
    countsTable("status", "status", results.by_status, "by-status"),
    countsTable("outcome", "outcome", results.outcomes, "outcomes"),
    countsTable("reason", "reason", results.suppressed_by, "suppressed-by"),
    countsTable("waiting", "reason", waitingBy(contacts), "waiting-by"),
    agentsTable(results.by_agent),
    results.survey ? surveyTiles(results.survey) : "",
  );
  parts.updated.textContent = t("results.updated", { time: when(new Date().toISOString()) });
}

/** The results as rows a spreadsheet reads: group, metric, value (service names, not translations). */
export function resultRows(results) {
  const groups = { funnel: results.funnel, status: results.by_status, outcome: results.outcomes,
    suppressed_by: results.suppressed_by, survey: results.survey || {} };
  return Object.entries(groups).flatMap(([group, counts]) =>
    Object.entries(counts).map(([metric, value]) => ({ group, metric, value })));
}

export function downloadResults(campaign, results) {
  downloadCsv(`campaign-${campaign.name}-results.csv`, [
    { key: "group", label: t("csv.group") }, { key: "metric", label: t("csv.metric") },
    { key: "value", label: t("csv.value") },
  ], resultRows(results));
}

export function renderPacing(box, pacing) {
  const over = pacing.abandon_rate > pacing.abandon_target;
  box.replaceChildren(
    tile("pacing-free", t("pacing.free_agents"), pacing.free_agents),
    tile("pacing-in-flight", t("pacing.calls_in_flight"), pacing.calls_in_flight),
    tile("pacing-answered", t("pacing.answered_calls"), pacing.answered_calls),
    tile("pacing-abandon", t("pacing.abandon_rate"), percent(pacing.abandon_rate),
      el("span", { class: `badge ${over ? "bad" : "ok"}` }, t("pacing.target", { target: percent(pacing.abandon_target) }))),
    tile("pacing-answer-rate", t("pacing.answer_rate"), percent(pacing.answer_rate)),
    tile("pacing-talk", t("pacing.mean_talk"), pacing.mean_talk_seconds === null ? "–" : duration(pacing.mean_talk_seconds)),
  );
}

export function renderAttempts(box, attempts, contacts) {
  const address = new Map(contacts.map((c) => [c.id, c.address_masked]));
  box.replaceChildren(table([
    { key: "number", label: "#" },
    { key: "contact_id", label: t("attempts.contact"), render: (a) => address.get(a.contact_id) || "…" },
    { key: "channel", label: t("field.channel"), render: (a) => label("channel", a.channel) },
    { key: "status", label: t("attempts.status"), render: (a) => label("attempt", a.status) },
    { key: "outcome", label: t("attempts.outcome"), render: (a) => (a.outcome ? label("outcome", a.outcome) : "") },
    { key: "agent_id", label: t("results.agent") },
    { key: "disposition", label: t("attempts.disposition") },
    { key: "allowed_by", label: t("attempts.allowed_by"), render: (a) => el("span", { class: "small" }, a.allowed_by) },
    { key: "requested_at", label: t("attempts.requested_at"), render: (a) => when(a.requested_at) },
  ], attempts, { testid: "attempts-table" }));
}

/** Fetches everything the results part shows and draws it; returns the results for the CSV. */
export async function refreshResults(parts, campaign) {
  const base = `/v1/campaigns/${campaign.id}`;
  const voice = campaign.channel === "voice";
  const [results, attempts, contacts, pacing] = await Promise.all([
    api("campaign", `${base}/results`), api("campaign", `${base}/attempts?limit=200`),
    api("campaign", `${base}/contacts?limit=1000`), voice ? api("campaign", `${base}/pacing`) : null,
  ]);
  renderResults(parts, campaign, results, contacts);
  renderAttempts(parts.attempts, attempts, contacts);
  parts.pacingCard.hidden = !voice;
  if (pacing) renderPacing(parts.pacing, pacing);
  return results;
}
