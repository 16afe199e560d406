/* Offers ringing on the desk: a card per offer with the screen pop, a countdown to the
 * offer's timeout and a short tone (WebAudio, no sound file); accept or reject. */

import { api, duration, el, t } from "/static/js/console.js";
import { popSummary, screenPop } from "/static/js/agent/customer.js";

let audio = null;

/** Call from a click: browsers let a page make sound only after the person acted on it. */
export function allowSound() {
  audio = audio || new AudioContext();
  if (audio.state === "suspended") audio.resume();
}

/** Two short beeps; answers whether the sound could play. */
function ring() {
  if (!audio) return "muted";
  for (const start of [0, 0.35]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + start);
    tone.stop(audio.currentTime + start + 0.3);
  }
  return audio.state;
}

function secondsLeft(task) {
  return Math.max(0, (Date.parse(task.offer_expires_at) - Date.now()) / 1000);
}

/** The offers area; `onAccepted(task)` runs once an offer is taken. */
export function offerList(container, { onAccepted }) {
  const cards = new Map();

  function answer(task, action, card) {
    return async () => {
      card.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      try {
        const taken = await api("routing", `/v1/tasks/${encodeURIComponent(task.id)}/${action}`, { method: "POST" });
        card.remove();
        // a new offer of the same task may have replaced this card while the answer was on its way
        if (cards.get(task.id)?.node === card) cards.delete(task.id);
        if (action === "accept") onAccepted(taken);
      } catch (error) {
        card.querySelector(".form-error").textContent = error.message;
        card.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      }
    };
  }

  function card(task) {
    const countdown = el("span", { class: "countdown", "data-testid": "offer-countdown" });
    const pop = el("div", {}, el("p", { class: "muted" }, t("pop.loading")));
    const node = el("article", { class: "card offer", "data-testid": "offer", dataset: { task: task.id } },
      el("div", { class: "row" },
        el("strong", { class: "ringing" }, t("offer.ringing")),
        el("span", { class: "badge", "data-testid": "offer-channel" }, t(`channel.${task.channel}`)),
        task.tier ? el("span", { class: "badge" }, task.tier) : null,
        task.callback ? el("span", { class: "badge warn" }, t("offer.callback")) : null,
        countdown),
      pop,
      el("div", { class: "form-error", role: "alert" }),
      el("div", { class: "row" }));
    const buttons = node.lastChild;
    buttons.append(
      el("button", { type: "button", class: "primary", "data-testid": "offer-accept", onclick: answer(task, "accept", node) }, t("offer.accept")),
      el("button", { type: "button", class: "danger", "data-testid": "offer-reject", onclick: answer(task, "reject", node) }, t("offer.reject")));
    screenPop(task).then((found) => pop.replaceChildren(popSummary(found)),
      () => pop.replaceChildren(el("p", { class: "muted" }, t("pop.unavailable"))));
    node.dataset.tone = ring();
    return { node, countdown, task };
  }

  setInterval(() => {
    for (const entry of cards.values()) {
      entry.countdown.textContent = t("offer.left", { left: duration(secondsLeft(entry.task)) });
    }
  }, 250);

  /** Shows the offers among `tasks`; offers that ended (taken, timed out, withdrawn) go. */
  function render(tasks) {
    const offered = new Map(tasks.filter((task) => task.status === "offered").map((task) => [task.id, task]));
    for (const [id, entry] of cards) {
      if (!offered.has(id)) { entry.node.remove(); cards.delete(id); }
    }
    for (const [id, task] of offered) {
      const shown = cards.get(id);
      // the same task offered again (after a reject or a timeout) is a new offer: a new card
      if (shown && shown.task.offer_expires_at === task.offer_expires_at) continue;
      if (shown) shown.node.remove();
      const entry = card(task);
      cards.set(id, entry);
      container.append(entry.node);
    }
  }
  return { render };
}
