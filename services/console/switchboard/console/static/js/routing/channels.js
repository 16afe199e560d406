/* Ingest's channels: SMS and voice numbers, email addresses and chat widgets. The signing
 * secret and the provider credentials are write-only: typed here, sent once, never shown back.
 * A chat channel gets its embed snippet and a link to the demo company site that carries it. */

import { ApiError, api, el, onSubmit, t, table, when } from "/static/js/console.js";
import { buttons, field, formCard, select, text, valueOf } from "/static/js/routing/forms.js";

const PROVIDERS = { sms: ["generic", "twilio", "sandbox"], email: ["smtp", "mailgun", "sandbox"],
  chat: ["webchat"], voice: ["pbx", "twilio", "sandbox"] };
const CREDENTIAL_KEYS = { twilio: "account_sid=…\nauth_token=…", smtp: "host=…\nport=587\nusername=…\npassword=…",
  generic: "send_url=…", mailgun: "api_key=…" };
const widgetBase = () => document.getElementById("routing-view").dataset.widgetBase;

export async function showChannels(view, editing = null) {
  const channels = await api("ingest", "/v1/channels");
  const again = (id = null) => showChannels(view, id);
  const list = el("section", { class: "card" }, el("h2", {}, t("routing.channels.title")),
    table(channelColumns(again), channels, { testid: "channels" }));
  const current = channels.find((c) => c.id === editing) || null;
  const form = current ? editForm(current, () => again()) : createForm(() => again());
  view.replaceChildren(list, form);
  if (current) form.scrollIntoView({ block: "start" });
}

export function embedSnippet(channelId) {
  return `<script src="${widgetBase()}/v1/chat/widget.js" data-channel="${channelId}" async></script>`;
}

function webChat(channel) {
  if (channel.kind !== "chat") return "";
  const code = el("code", { "data-testid": "embed-snippet" }, embedSnippet(channel.id));
  const copy = el("button", { type: "button", class: "small", onclick: async () => {
    await navigator.clipboard?.writeText(code.textContent);
    copy.textContent = t("routing.channels.copied");
  } }, t("routing.channels.copy"));
  return el("div", { class: "embed" },
    el("a", { href: `/site/${channel.id}`, target: "_blank", rel: "noopener", "data-testid": "site-link" },
      t("routing.channels.open_site")),
    el("details", {}, el("summary", {}, t("routing.channels.embed")), el("pre", {}, code), copy));
}

function channelColumns(again) {
  return [
    { label: t("routing.field.name"), key: "name" },
    { label: t("routing.field.kind"), render: (c) => t(`channel.${c.kind}`) },
    { label: t("routing.field.provider"), key: "provider" },
    { label: t("routing.field.address"), render: (c) => el("code", {}, c.address) },
    { label: t("routing.field.credentials"), render: (c) => el("span", { class: `badge ${c.has_credentials ? "ok" : ""}` },
      c.has_credentials ? t("routing.channels.stored") : t("routing.channels.none")) },
    { label: t("routing.field.created"), render: (c) => when(c.created_at) },
    { label: t("routing.channels.web_chat"), render: webChat },
    { label: "", render: (c) => el("button", { type: "button", class: "small", "data-testid": `edit-channel-${c.name}`,
      onclick: () => again(c.id) }, t("routing.edit")) },
  ];
}

function randomSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function secretField(required) {
  const input = el("input", { type: "password", name: "signing_secret", autocomplete: "new-password", required });
  const generate = el("button", { type: "button", class: "small", onclick: () => {
    input.value = randomSecret();
    input.type = "text";
  } }, t("routing.channels.generate"));
  return field(t("routing.field.signing_secret"), el("span", { class: "secret" }, input, generate),
    required ? t("routing.hint.signing_secret") : t("routing.hint.keep_secret"));
}

function credentialsField(hint, provider) {
  return field(t("routing.field.credentials"), el("textarea", { name: "credentials", rows: 3, autocomplete: "off",
    spellcheck: "false", placeholder: CREDENTIAL_KEYS[provider] || "" }), hint);
}

/** `key=value` lines as the API's credentials object; a line without `=` is refused here. */
function readCredentials(form) {
  const credentials = {};
  for (const line of String(valueOf(form, "credentials") ?? "").split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at < 1) {
      throw new ApiError(0, { errors: [{ field: "credentials", message: t("routing.channels.bad_line", { line }) }] });
    }
    credentials[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return credentials;
}

function createForm(done) {
  const kind = select("kind", Object.keys(PROVIDERS).map((k) => [k, t(`channel.${k}`)]), "chat");
  const provider = select("provider", [], "");
  const address = el("label", {});
  const credentials = credentialsField(t("routing.hint.credentials"), "");
  const help = field(t("routing.field.help_text"), el("textarea", { name: "help_text", rows: 2 }), t("routing.hint.help_text"));
  const fitProvider = () => {
    credentials.querySelector("textarea").placeholder = CREDENTIAL_KEYS[provider.value] || "";
  };
  const fitKind = () => {
    provider.replaceChildren(...PROVIDERS[kind.value].map((p) => el("option", { value: p }, p)));
    address.replaceChildren(t(`routing.channels.address.${kind.value}`),
      text("address", address.querySelector("input")?.value ?? "", { required: true, autocomplete: "off" }));
    help.hidden = kind.value !== "sms";
    fitProvider();
  };
  kind.addEventListener("change", fitKind);
  provider.addEventListener("change", fitProvider);
  fitKind();
  const form = formCard(t("routing.channels.new"), "channel-form",
    el("div", { class: "fields" }, field(t("routing.field.kind"), kind), field(t("routing.field.provider"), provider),
      el("div", { class: "cell" }, address), field(t("routing.field.name"), text("name", "", { required: true, autocomplete: "off" })),
      secretField(true)),
    credentials, help,
    buttons(t("action.create")));
  onSubmit(form, async () => {
    const body = { kind: kind.value, provider: provider.value, address: valueOf(form, "address") ?? "",
      name: valueOf(form, "name") ?? "", signing_secret: valueOf(form, "signing_secret") ?? "",
      credentials: readCredentials(form) };
    if (kind.value === "sms" && valueOf(form, "help_text")) body.help_text = valueOf(form, "help_text");
    await api("ingest", "/v1/channels", { method: "POST", json: body });
    await done();
  });
  return form;
}

function editForm(channel, done) {
  const form = formCard(t("routing.channels.edit", { name: channel.name }), "channel-form",
    el("p", { class: "hint" }, `${t(`channel.${channel.kind}`)} · ${channel.provider} · ${channel.address}`),
    el("div", { class: "fields" }, field(t("routing.field.name"), text("name", channel.name, { required: true })),
      secretField(false)),
    credentialsField(t("routing.hint.keep_credentials"), channel.provider),
    channel.kind === "sms" ? field(t("routing.field.help_text"),
      el("textarea", { name: "help_text", rows: 2 }, channel.help_text || ""), t("routing.hint.help_text")) : null,
    buttons(t("action.save"), done));
  onSubmit(form, async () => {
    const body = { name: valueOf(form, "name") ?? "" };
    const secret = valueOf(form, "signing_secret");
    if (secret !== null) body.signing_secret = secret;
    const credentials = readCredentials(form);
    if (Object.keys(credentials).length) body.credentials = credentials;
    if (channel.kind === "sms") body.help_text = valueOf(form, "help_text");
    await api("ingest", `/v1/channels/${channel.id}`, { method: "PATCH", json: body });
    await done();
  });
  return form;
}
