/* The agent workspace: routing state, offers ringing with the screen pop, a tab per task
 * held, and outbound preview calls. The desktop feed (routing's server-sent events) drives it. */

import { api, ApiError, follow, me, t } from "/static/js/console.js";
import { desk, transferQueues } from "/static/js/agent/desk.js";
import { allowSound, offerList } from "/static/js/agent/offers.js";
import { startOutbound } from "/static/js/agent/outbound.js";
import { stateBar } from "/static/js/agent/state.js";

const problem = document.getElementById("agent-problem");
const agentPath = `/v1/agents/${encodeURIComponent(me.subject)}`;

async function routingAgent() {
  try {
    return await api("routing", agentPath);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      problem.textContent = t("agent.not_an_agent", { agent: me.subject });
      document.getElementById("agent-bar").hidden = true;
      return null;
    }
    throw error;
  }
}

async function start() {
  startOutbound();
  const agent = await routingAgent();
  if (!agent) return;
  const bar = stateBar(me.subject, { onGesture: allowSound });
  bar.render(agent);
  const tasks = desk(await transferQueues());
  const offers = offerList(document.getElementById("offers"), {
    onAccepted(task) {
      tasks.focus(task.id);
      if (task.channel === "chat") {
        api("ingest", `/v1/conversations/${encodeURIComponent(task.conversation_id)}/notices`, {
          method: "POST", json: { notice: "agent_joined", agent_name: me.subject },
        }).catch(() => {});  // a courtesy to the visitor; the chat goes on without it
      }
    },
  });
  follow("routing", `${agentPath}/stream?every=0.5`, {
    desktop(snapshot) {
      bar.render(snapshot.agent);
      offers.render(snapshot.tasks);
      tasks.render(snapshot.tasks);
    },
  });
}

start().catch((error) => { problem.textContent = error.message; });
