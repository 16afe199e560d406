/* Who the customer is: the screen pop (customer, tier, repeat contacts, consent, last
 * interactions across channels) and the customer's timeline, from profile. */

import { api, ApiError, el, t, when } from "/static/js/console.js";

const LOOKUP = { sms: "phone", voice: "phone", email: "email", chat: "visitor" };
const pops = new Map();

/** The customer's address on the task's conversation: the first message they sent. */
async function addressOf(task) {
  const messages = await api("ingest", `/v1/conversations/${encodeURIComponent(task.conversation_id)}/messages`);
  const inbound = messages.find((m) => m.direction === "in");
  if (inbound) return inbound.from_address;
  const outbound = messages.find((m) => m.direction === "out");
  return outbound ? outbound.to_address : null;
}

async function loadPop(task) {
  const address = await addressOf(task);
  const kind = LOOKUP[task.channel];
  if (!address || !kind) return null;
  try {
    return await api("profile", `/v1/screen-pop?${new URLSearchParams({ [kind]: address })}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** The screen pop of the task's customer (null: not known yet), asked once per conversation. */
export function screenPop(task) {
  if (!pops.has(task.conversation_id)) {
    const asked = loadPop(task);
    asked.catch(() => pops.delete(task.conversation_id));  // ask again next time
    pops.set(task.conversation_id, asked);
  }
  return pops.get(task.conversation_id);
}

function tierBadge(pop) {
  return el("span", { class: "badge tier", "data-testid": "pop-tier", title: pop.tier.description || null }, pop.tier.name);
}

function interactionItem(entry) {
  return el("li", { "data-testid": "pop-interaction" },
    el("span", { class: "badge" }, t(`channel.${entry.channel}`)), " ",
    el("span", {}, entry.summary), " ", el("time", { class: "muted" }, when(entry.occurred_at)));
}

function consentList(pop) {
  if (!pop.consent.length) return el("p", { class: "muted" }, t("pop.no_consent"));
  return el("ul", { class: "plain", "data-testid": "pop-consent" }, pop.consent.map((c) => el("li", {},
    el("span", { class: `badge ${c.allowed ? "ok" : "bad"}` }, c.allowed ? t("pop.allowed") : t("pop.refused")),
    " ", t(`channel.${c.channel}`), " · ", t(`purpose.${c.purpose}`), " ", el("span", { class: "muted" }, c.address))));
}

/** The repeat-contact sentence in the page's language, from profile's facts. */
function repeatSentence(repeat) {
  if (!repeat.last_contact_at) return t("pop.first_contact");
  return t("pop.repeat", {
    n: repeat.contacts_today, at: when(repeat.last_contact_at),
    channel: repeat.last_channel ? t(`channel.${repeat.last_channel}`) : "",
    state: repeat.last_unresolved ? t("pop.unresolved") : t("pop.resolved"),
  });
}

/** A few lines for the offer card: who is calling, tier, repeat contacts. */
export function popSummary(pop) {
  if (!pop) return el("p", { class: "muted", "data-testid": "pop-summary" }, t("pop.unknown"));
  return el("div", { class: "pop-summary", "data-testid": "pop-summary" },
    el("div", { class: "row" }, el("strong", { "data-testid": "pop-name" }, pop.customer.name || t("pop.no_name")), tierBadge(pop)),
    el("div", { "data-testid": "pop-repeat", title: pop.repeat.summary }, repeatSentence(pop.repeat)),
    pop.tags.length ? el("div", { class: "muted" }, pop.tags.join(" · ")) : null);
}

function repeatFacts(pop) {
  const r = pop.repeat;
  return el("dl", { class: "facts" },
    el("dt", {}, t("pop.today")), el("dd", {}, String(r.contacts_today)),
    el("dt", {}, t("pop.week")), el("dd", {}, String(r.contacts_7d)),
    el("dt", {}, t("pop.last_unresolved")), el("dd", {}, r.last_unresolved ? t("word.yes") : t("word.no")),
    el("dt", {}, t("pop.open_items")), el("dd", {}, String(pop.open_items.length)));
}

function timelineSection(customerId) {
  const list = el("ol", { class: "timeline", "data-testid": "timeline" });
  const more = el("button", { type: "button", hidden: true }, t("pop.older"));
  let cursor = null;
  const page = async () => {
    const query = new URLSearchParams({ limit: "10", ...(cursor ? { cursor } : {}) });
    const answer = await api("profile", `/v1/customers/${encodeURIComponent(customerId)}/timeline?${query}`);
    list.append(...answer.items.map((entry) => el("li", { "data-testid": "timeline-entry" },
      el("time", { class: "muted" }, when(entry.occurred_at)), " ",
      el("span", { class: "badge" }, t(`channel.${entry.channel}`)), " ", entry.summary,
      entry.agent_id ? el("span", { class: "muted" }, ` · ${entry.agent_id}`) : null)));
    cursor = answer.next_cursor;
    more.hidden = !cursor;
    if (!list.children.length) list.append(el("li", { class: "muted" }, t("table.empty")));
  };
  more.addEventListener("click", page);
  page();
  return el("section", {}, el("h3", {}, t("pop.timeline")), list, more);
}

/** The full screen pop and timeline of the task's customer, in `aside`. */
export async function showCustomer(aside, task) {
  aside.replaceChildren(el("h2", {}, t("pop.title")), el("p", { class: "muted" }, t("pop.loading")));
  const pop = await screenPop(task);
  if (aside.dataset.task !== task.id) return;  // the agent moved to another task meanwhile
  if (!pop) {
    aside.replaceChildren(el("h2", {}, t("pop.title")), el("p", { class: "muted" }, t("pop.unknown")));
    return;
  }
  aside.replaceChildren(
    el("h2", {}, t("pop.title")),
    popSummary(pop),
    repeatFacts(pop),
    el("h3", {}, t("pop.consent")), consentList(pop),
    el("h3", {}, t("pop.last_interactions")),
    pop.last_interactions.length
      ? el("ul", { class: "plain" }, pop.last_interactions.map(interactionItem))
      : el("p", { class: "muted" }, t("table.empty")),
    timelineSection(pop.customer.id),
  );
}
