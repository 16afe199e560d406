/* The supervisor's wallboard. Routing's live figures arrive as a stream every two seconds;
 * each snapshot also refreshes the agents and the waiting contacts (which have no stream of
 * their own), and the interval charts when today's counts moved. QA alerts have their own stream. */

import { api, el, follow, t } from "/static/js/console.js";
import { renderAgents, stateDialog } from "/static/js/wallboard/agents.js";
import { followAlerts } from "/static/js/wallboard/alerts.js";
import { renderCharts } from "/static/js/wallboard/charts.js";
import { secondsSince, serverNow, syncClock } from "/static/js/wallboard/clock.js";
import { renderAgentStates, renderQueues, renderTotals } from "/static/js/wallboard/queues.js";
import { moveDialog, renderWaiting, waitingTasks } from "/static/js/wallboard/tasks.js";

const EVERY_SECONDS = 2;
const CHARTS_EVERY_MS = 60_000;
const $ = (id) => document.getElementById(id);

const board = {
  stats: null, queues: [], agents: [], tasks: [],
  shown: { agents: "", waiting: "" }, // what each panel last drew
  queuesKey: "", // the queues (ids and names) when their settings were last read
  counts: "", // today's per-queue counts when the charts were last drawn
  refreshing: false, again: false,
};

const openStateDialog = stateDialog($("state-dialog"), refreshPeople);
const openMoveDialog = moveDialog($("move-dialog"), refreshPeople);

/** Re-draws a panel only when its data changed, so buttons do not move under the pointer. */
function drawIfChanged(name, data, draw) {
  const key = JSON.stringify(data);
  if (key === board.shown[name]) return;
  board.shown[name] = key;
  draw();
}

function drawPeople() {
  const names = new Map(board.queues.map((q) => [q.id, q.name]));
  const waiting = waitingTasks(board.tasks);
  drawIfChanged("agents", [board.agents, board.tasks.filter((task) => task.agent_id)],
    () => renderAgents($("agents"), board.agents, board.tasks, { onChangeState: openStateDialog }));
  drawIfChanged("waiting", [waiting, [...names]],
    () => renderWaiting($("waiting"), waiting, names, { onMove: (task) => openMoveDialog(task, board.queues) }));
}

/** Reads agents and open tasks again; a call made while one is under way runs once more after it. */
async function refreshPeople() {
  if (board.refreshing) { board.again = true; return; }
  board.refreshing = true;
  try {
    do {
      board.again = false;
      [board.agents, board.tasks] = await Promise.all([api("routing", "/v1/agents"), api("routing", "/v1/tasks")]);
      drawPeople();
    } while (board.again);
  } finally {
    board.refreshing = false;
  }
}

/** The queues' settings (channels, for moves), read again when a queue comes, goes or is renamed. */
async function refreshQueues(stats) {
  const key = JSON.stringify(stats.queues.map((q) => [q.queue_id, q.name]));
  if (key === board.queuesKey) return;
  board.queues = await api("routing", "/v1/queues");
  board.queuesKey = key;
  const select = $("chart-queue");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t("wb.all_queues")),
    ...board.queues.map((q) => el("option", { value: q.id }, q.name)));
  select.value = board.queues.some((q) => q.id === chosen) ? chosen : "";
}

function refreshCharts() {
  return renderCharts($("charts"), $("chart-queue").value, serverNow());
}

async function onStats(stats) {
  board.stats = stats;
  syncClock(stats.at);
  renderTotals($("totals"), stats);
  renderQueues($("queues"), stats);
  renderAgentStates($("agents-by-state"), stats);
  showLive();
  await refreshQueues(stats);
  const counts = JSON.stringify(stats.queues.map((q) => [q.queue_id, q.offered, q.answered, q.abandoned]));
  if (counts !== board.counts) {
    board.counts = counts;
    await refreshCharts();
  }
  await refreshPeople();
}

/** Says how fresh the figures are: a wall screen that silently froze would mislead the floor. */
function showLive() {
  const status = document.querySelector("[data-testid=live-status]");
  const age = board.stats ? secondsSince(board.stats.at) : null;
  const stale = age === null || age > EVERY_SECONDS * 3;
  status.dataset.state = board.stats ? (stale ? "stale" : "live") : "connecting";
  status.textContent = !board.stats ? t("wb.connecting")
    : stale ? t("wb.stale", { seconds: Math.round(age) }) : t("wb.live");
}

follow("routing", `/v1/stats/live/stream?every=${EVERY_SECONDS}`, { stats: onStats });
followAlerts($("alerts"), $("alert-count"), $("alerts-empty"));
$("chart-queue").addEventListener("change", refreshCharts);
setInterval(showLive, 1000);
setInterval(() => { if (board.stats) refreshCharts(); }, CHARTS_EVERY_MS);
