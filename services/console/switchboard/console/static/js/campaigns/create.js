/* The new-campaign form: fields shown per kind, the body the service takes, the template drafts. */

import { api, draft, formData } from "../console.js";
import { submitTo } from "./problems.js";

function put(target, [head, ...rest], value) {
  if (!rest.length) {
    target[head] = value;
    return;
  }
  target[head] = target[head] ?? (/^\d+$/.test(rest[0]) ? [] : {});
  put(target[head], rest, value);
}

/** The form as the service's CampaignIn: dotted names nest, weekdays and holidays become lists. */
export function campaignBody(form) {
  const flat = formData(form);
  delete flat["schedule.weekdays"];
  const body = {};
  for (const [name, value] of Object.entries(flat)) put(body, name.split("."), value);
  body.schedule = body.schedule || {};
  body.schedule.weekdays = [...form.querySelectorAll('[name="schedule.weekdays"]:checked')]
    .map((box) => Number(box.value));
  if (typeof body.schedule.holidays === "string") {
    body.schedule.holidays = body.schedule.holidays.split(/[\s,，、;]+/).filter(Boolean);
  }
  return body;
}

/** Shows the fields that belong to `kind` (data-kinds) and disables the others, so they are not sent. */
function showFieldsFor(form, kind) {
  for (const group of form.querySelectorAll("[data-kinds]")) {
    const shown = group.dataset.kinds.split(" ").includes(kind);
    group.hidden = !shown;
    group.querySelectorAll("input, select, textarea").forEach((field) => { field.disabled = !shown; });
  }
}

async function offerQueues() {
  const list = document.getElementById("queue-ids");
  try {
    const queues = await api("routing", "/v1/queues");
    list.replaceChildren(...queues.map((q) => Object.assign(document.createElement("option"),
      { value: q.id, label: q.name })));
  } catch {
    list.replaceChildren();  // not every role may read routing's queues; the id can still be typed
  }
}

/** Wires the form; `created(campaign)` runs after the service accepted it. */
export function setUpCreateForm(form, created) {
  const kind = form.elements.kind;
  kind.addEventListener("change", () => showFieldsFor(form, kind.value));
  showFieldsFor(form, kind.value);
  const drafts = [draft(form.elements.message_template, "campaign-template"),
    draft(form.elements["templates.zh"], "campaign-template-zh")];
  submitTo(form, async (_data, submitted) => {
    const campaign = await api("campaign", "/v1/campaigns", { method: "POST", json: campaignBody(submitted) });
    drafts.forEach((d) => d.clear());
    submitted.reset();
    showFieldsFor(form, kind.value);
    created(campaign);
  });
  return { open() { offerQueues(); form.elements.name.focus(); } };
}
