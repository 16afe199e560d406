/* The campaigns page: the tenant's campaigns, a new one, and for the one chosen its lifecycle,
 * lists, results (refreshed every few seconds while it runs) and the callbacks owed. */

import { api, el, table, t, when } from "./console.js";
import { showCallbacks } from "./campaigns/callbacks.js";
import { setUpCampaignForm } from "./campaigns/create.js";
import { setUpListForms } from "./campaigns/lists.js";
import { label } from "./campaigns/problems.js";
import { downloadResults, refreshResults } from "./campaigns/results.js";

const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);
const state = { campaigns: [], current: null, results: null, timer: null };
const parts = {
  tiles: $("funnel-tiles"), funnel: $("funnel-chart"), outcomes: $("outcome-chart"), tables: $("result-tables"),
  updated: $("results-updated"), attempts: $("attempts"), pacing: $("pacing-tiles"), pacingCard: $("pacing-card"),
};
const STATUS_BADGE = { running: "ok", paused: "warn", stopped: "bad", completed: "" };

function statusBadge(status) {
  return el("span", { class: `badge ${STATUS_BADGE[status] ?? ""}` }, label("status", status));
}

async function loadList() {
  state.campaigns = await api("campaign", "/v1/campaigns");
  $("campaign-list").replaceChildren(table([
    { key: "name", label: t("field.name"), render: (c) => el("a", { href: `#${c.id}`, "data-testid": "campaign-link",
      "aria-current": c.id === state.current?.id ? "true" : null }, c.name) },
    { key: "kind", label: t("field.kind"), render: (c) => label("kind", c.kind) },
    { key: "status", label: t("attempts.status"), render: (c) => statusBadge(c.status) },
    { key: "created_at", label: t("campaigns.created"), render: (c) => when(c.created_at) },
  ], state.campaigns, { testid: "campaigns-table", empty: t("campaigns.none") }));
}

function fact(name, value) {
  return [el("dt", {}, name), el("dd", {}, value)];
}

function span(s) {
  const [start, end] = [s.start.slice(0, 5), s.end.slice(0, 5)];
  return start === "00:00" && end === "00:00" ? t("facts.all_day") : `${start}–${end}`;
}

function renderFacts(c) {
  const s = c.schedule;
  const days = s.weekdays.length === 7 ? t("weekday.all") : s.weekdays.map((d) => t(`weekday.${d}`)).join(" ");
  $("campaign-facts").replaceChildren(
    ...fact(t("field.kind"), `${label("kind", c.kind)} · ${label("channel", c.channel)} · ${label("purpose", c.purpose)}`),
    ...fact(t("facts.window"), [span(s.window), ...s.quiet_hours.map((q) => ` (${t("facts.quiet")} ${span(q)})`)].join("")),
    ...fact(t("field.weekdays"), days),
    ...(s.start_date || s.end_date ? fact(t("facts.dates"), `${s.start_date ?? "…"} – ${s.end_date ?? "…"}`) : []),
    ...(s.holidays.length ? fact(t("field.holidays"), s.holidays.join(", ")) : []),
    ...fact(t("facts.retry"), t("facts.retry_value", { n: c.retry.max_attempts, cap: c.weekly_cap })),
    ...(c.default_time_zone ? fact(t("field.default_time_zone"), c.default_time_zone) : []),
    ...(c.survey_kind ? fact(t("field.survey_kind"), label("survey", c.survey_kind)) : []),
    ...(c.journey_trigger ? fact(t("field.journey_trigger"), label("trigger", c.journey_trigger)) : []),
    ...(c.message_template ? fact(t("field.message_template"), el("q", {}, c.message_template)) : []),
    ...fact(t("campaigns.created"), when(c.created_at)),
    ...(c.started_at ? fact(t("facts.started"), when(c.started_at)) : []),
    ...(c.ended_at ? fact(t("facts.ended"), when(c.ended_at)) : []),
  );
}

function renderHeader(c) {
  $("campaign-name").textContent = c.name;
  const badge = document.querySelector("[data-testid=campaign-status]");
  badge.className = `badge ${STATUS_BADGE[c.status] ?? ""}`;
  badge.textContent = label("status", c.status);
  badge.dataset.status = c.status;
  const finished = ["stopped", "completed"].includes(c.status);
  const start = document.querySelector("[data-action=start]");
  start.disabled = !["draft", "paused"].includes(c.status);
  start.textContent = t(c.status === "paused" ? "action.resume" : "action.start");
  document.querySelector("[data-action=pause]").disabled = c.status !== "running";
  document.querySelector("[data-action=stop]").disabled = finished;
  $("edit-campaign").disabled = !["draft", "paused"].includes(c.status);
  renderFacts(c);
}

async function refreshDetail() {
  const c = state.current;
  if (!c) return;
  state.results = await refreshResults(parts, c);
}

/** While the campaign runs, its status and results are fetched again every REFRESH_MS. */
function keepLive() {
  clearTimeout(state.timer);
  if (state.current?.status !== "running") return;
  state.timer = setTimeout(async () => {
    const id = state.current?.id;
    try {
      const fresh = await api("campaign", `/v1/campaigns/${id}`);
      if (fresh.id !== state.current?.id) return;
      const changed = fresh.status !== state.current.status;
      state.current = fresh;
      renderHeader(fresh);
      await refreshDetail();
      if (changed) await loadList();
    } catch (error) {
      parts.updated.textContent = t("results.refresh_failed", { reason: error.message });
    } finally {
      if (id === state.current?.id) keepLive();
    }
  }, REFRESH_MS);
}

function showNothing(message = t("campaigns.pick")) {
  state.current = null;
  $("detail").hidden = true;
  $("nothing-selected").textContent = message;
  $("nothing-selected").hidden = false;
}

async function showCampaign(id) {
  clearTimeout(state.timer);
  $("action-error").textContent = "";
  $("list-report").replaceChildren();
  if (!id) {
    showNothing();
    return;
  }
  try {
    state.current = await api("campaign", `/v1/campaigns/${id}`);
  } catch (error) {
    showNothing(error.message);  // e.g. a link to another tenant's campaign: "no campaign …"
    return;
  }
  $("nothing-selected").hidden = true;
  $("detail").hidden = false;
  renderHeader(state.current);
  await Promise.all([refreshDetail(), loadList()]);
  keepLive();
}

async function act(action) {
  if (action === "stop" && !window.confirm(t("confirm.stop", { name: state.current.name }))) return;
  $("action-error").textContent = "";
  try {
    state.current = await api("campaign", `/v1/campaigns/${state.current.id}/${action}`, { method: "POST" });
  } catch (error) {
    $("action-error").textContent = error.message;
    return;
  }
  renderHeader(state.current);
  await Promise.all([refreshDetail(), loadList()]);
  keepLive();
}

function refreshCallbacks() {
  const name = (id) => state.campaigns.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  return showCallbacks($("callbacks"), $("callback-error"), $("callback-status").value, name);
}

function wire() {
  const createCard = $("create-card");
  const form = setUpCampaignForm($("create-form"), $("create-title"), async (campaign) => {
    createCard.hidden = true;
    if (campaign.id === state.current?.id) {
      state.current = campaign;
      renderHeader(campaign);
    }
    location.hash = campaign.id;
    await loadList();
  });
  $("new-campaign").addEventListener("click", () => { createCard.hidden = false; form.openNew(); });
  $("edit-campaign").addEventListener("click", () => { createCard.hidden = false; form.openEdit(state.current); });
  $("cancel-create").addEventListener("click", () => { createCard.hidden = true; });
  $("refresh-list").addEventListener("click", loadList);
  $("refresh-results").addEventListener("click", refreshDetail);
  $("download-results").addEventListener("click", () => state.results && downloadResults(state.current, state.results));
  document.querySelectorAll("[data-action]").forEach((button) =>
    button.addEventListener("click", () => act(button.dataset.action)));
  setUpListForms({ upload: $("upload-form"), segment: $("segment-form"), report: $("list-report"),
    current: () => state.current, changed: refreshDetail });
  $("callback-status").addEventListener("change", refreshCallbacks);
  window.addEventListener("hashchange", () => showCampaign(location.hash.slice(1)));
}

wire();
await loadList();
await Promise.all([showCampaign(location.hash.slice(1)), refreshCallbacks()]);
