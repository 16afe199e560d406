/* The routing administration page: queues (with service level and business hours), skills,
 * agents, routing rules, and ingest's channels. One section at a time, chosen by the URL's
 * hash so a reload or a shared link opens the same one. */

import { el, t } from "/static/js/console.js";
import { showAgents } from "/static/js/routing/agents.js";
import { showChannels } from "/static/js/routing/channels.js";
import { showQueues } from "/static/js/routing/queues.js";
import { showRules } from "/static/js/routing/rules.js";
import { showSkills } from "/static/js/routing/skills.js";

const view = document.getElementById("routing-view");
const SECTIONS = { queues: showQueues, skills: showSkills, agents: showAgents, rules: showRules,
  channels: showChannels };

async function route() {
  const name = location.hash.slice(1) in SECTIONS ? location.hash.slice(1) : "queues";
  document.querySelectorAll("[data-tab]").forEach((link) => {
    if (link.dataset.tab === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
  view.replaceChildren(el("p", { class: "muted" }, t("routing.loading")));
  try {
    await SECTIONS[name](view);
  } catch (error) {
    view.replaceChildren(el("p", { class: "form-error", role: "alert", "data-testid": "view-error" },
      error.message || String(error)));
  }
}

window.addEventListener("hashchange", route);
route();
