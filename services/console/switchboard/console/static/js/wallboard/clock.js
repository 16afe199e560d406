/* The services' clock as the wallboard sees it, and durations that tick every second.
 * Ages are counted on the server's clock (the browser's may be off on a wall screen). */

import { duration, el } from "/static/js/console.js";

let offsetMs = 0;

/** Remembers how far the browser's clock is from the server's (`at` of a live snapshot). */
export function syncClock(serverIso) {
  offsetMs = Date.parse(serverIso) - Date.now();
}

export function serverNow() {
  return Date.now() + offsetMs;
}

export function secondsSince(iso) {
  return (serverNow() - Date.parse(iso)) / 1000;
}

/** A duration since `iso` that counts up by itself. */
export function ticking(iso, attrs = {}) {
  return el("span", { class: "ticking", "data-since": iso, ...attrs }, duration(secondsSince(iso)));
}

setInterval(() => {
  for (const node of document.querySelectorAll(".ticking")) {
    node.textContent = duration(secondsSince(node.dataset.since));
  }
}, 1000);
