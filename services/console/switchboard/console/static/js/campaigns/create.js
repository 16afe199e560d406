/* The new-campaign form: fields shown per kind, the body the service takes, the template drafts. */

import { api, clearProblems, draft, formData, t } from "../console.js";
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

const FIXED = ["kind", "channel", "purpose", "survey_kind", "journey_trigger", "default_region"];

/** The stored campaign in the form, for changing it. */
function fill(form, c) {
  form.reset();
  const s = c.schedule;
  const clock = (value) => (value ? value.slice(0, 5) : "");
  const values = {
    name: c.name, kind: c.kind, channel: c.channel, purpose: c.purpose, survey_kind: c.survey_kind ?? "",
    journey_trigger: c.journey_trigger ?? "", queue_id: c.queue_id ?? "", message_template: c.message_template ?? "",
    "templates.zh": c.templates?.zh ?? "", email_subject: c.email_subject ?? "",
    "schedule.window.start": clock(s.window.start), "schedule.window.end": clock(s.window.end),
    "schedule.quiet_hours.0.start": clock(s.quiet_hours[0]?.start), "schedule.quiet_hours.0.end": clock(s.quiet_hours[0]?.end),
    "schedule.start_date": s.start_date ?? "", "schedule.end_date": s.end_date ?? "",
    "schedule.holidays": s.holidays.join(", "), default_time_zone: c.default_time_zone ?? "",
    default_region: c.default_region, "retry.max_attempts": c.retry.max_attempts, weekly_cap: c.weekly_cap,
    ...Object.fromEntries(Object.entries(c.retry.retry_minutes).map(([k, v]) => [`retry.retry_minutes.${k}`, v])),
  };
  for (const [name, value] of Object.entries(values)) {
    const field = form.elements.namedItem(name);
    if (field) field.value = value;
  }
  form.querySelectorAll('[name="schedule.weekdays"]').forEach((box) => {
    box.checked = s.weekdays.includes(Number(box.value));
  });
}

/** Wires the form for a new campaign and for changing one; `done(campaign)` after the service took it. */
export function setUpCampaignForm(form, title, done) {
  const kind = form.elements.kind;
  const submit = form.querySelector("[type=submit]");
  let editing = null;
  const layout = () => {
    showFieldsFor(form, kind.value);
    for (const name of FIXED) {  // what a stored campaign cannot change
      const field = form.elements[name];
      field.disabled = editing !== null || Boolean(field.closest("[hidden]"));
    }
  };
  kind.addEventListener("change", layout);
  layout();
  const drafts = [draft(form.elements.message_template, "campaign-template"),
    draft(form.elements["templates.zh"], "campaign-template-zh")];
  submitTo(form, async (_data, submitted) => {
    const body = campaignBody(submitted);
    const campaign = editing
      ? await api("campaign", `/v1/campaigns/${editing.id}`, { method: "PATCH", json: body })
      : await api("campaign", "/v1/campaigns", { method: "POST", json: body });
    if (!editing) drafts.forEach((d) => d.clear());
    submitted.reset();
    editing = null;
    layout();
    done(campaign);
  });
  const open = (campaign) => {
    editing = campaign;
    if (campaign) fill(form, campaign);
    title.textContent = t(campaign ? "campaigns.edit" : "campaigns.new");
    submit.textContent = t(campaign ? "action.save" : "action.create");
    form.querySelector("[data-edit-only]").hidden = !campaign;
    clearProblems(form);
    layout();
    offerQueues();
    form.elements.name.focus();
  };
  return {
    openNew() {
      if (editing) form.reset();
      open(null);
    },
    openEdit: open,
  };
}
