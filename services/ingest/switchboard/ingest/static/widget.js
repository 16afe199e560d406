/* Switchboard web chat widget.
 *   <script src="https://ingest.example.com/v1/chat/widget.js" data-channel="CHANNEL_ID" async></script>
 * Starts a visitor session on first open (kept for the tab in sessionStorage), talks over a
 * WebSocket, and falls back to HTTP polling when the socket cannot connect. No dependencies. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var channel = script.getAttribute("data-channel");
  var base = script.getAttribute("data-base") || new URL(script.src).origin;
  var title = script.getAttribute("data-title") || "Chat with us";
  var storeKey = "switchboard-chat-" + channel;
  var state = JSON.parse(sessionStorage.getItem(storeKey) || "null");
  var socket = null, polling = null, seen = {}, pending = {};

  var css = ".sbw-btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;" +
    "padding:12px 18px;background:#1a73e8;color:#fff;font:15px sans-serif;cursor:pointer}" +
    ".sbw-box{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:320px;height:420px;display:none;" +
    "flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:8px;font:14px sans-serif;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.2)}.sbw-log{flex:1;overflow-y:auto;padding:8px}" +
    ".sbw-in,.sbw-out{margin:4px 0;padding:6px 10px;border-radius:12px;max-width:80%;white-space:pre-wrap}" +
    ".sbw-in{background:#1a73e8;color:#fff;margin-left:auto}.sbw-out{background:#eee}" +
    ".sbw-note{color:#777;font-size:12px;text-align:center;margin:4px 0}" +
    ".sbw-form{display:flex;border-top:1px solid #ddd}.sbw-form input{flex:1;border:0;padding:10px}" +
    ".sbw-form button{border:0;background:none;color:#1a73e8;padding:0 12px;cursor:pointer}";
  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  var button = el("button", "sbw-btn", title);
  var box = el("div", "sbw-box");
  var log = el("div", "sbw-log");
  var form = el("form", "sbw-form");
  var input = el("input");
  input.placeholder = "Type a message…";
  input.maxLength = 4000;
  form.appendChild(input);
  form.appendChild(el("button", null, "Send"));
  box.appendChild(log);
  box.appendChild(form);
  document.body.appendChild(box);
  document.body.appendChild(button);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }
  function note(text) { log.appendChild(el("div", "sbw-note", text)); log.scrollTop = log.scrollHeight; }
  function show(message) {
    if (seen[message.id]) { return; }
    seen[message.id] = true;
    log.appendChild(el("div", message.direction === "in" ? "sbw-in" : "sbw-out", message.text));
    log.scrollTop = log.scrollHeight;
  }
  function api(path, options) {
    options = options || {};
    options.headers = options.headers || {};
    options.headers["Content-Type"] = "application/json";
    if (state) { options.headers["X-Visitor-Token"] = state.token; }
    return fetch(base + path, options).then(function (r) {
      if (!r.ok) { return r.json().then(function (p) { throw new Error(p.detail || r.statusText); }); }
      return r.json();
    });
  }
  function start() {
    if (state) { return Promise.resolve(state); }
    return api("/v1/chat/" + encodeURIComponent(channel) + "/sessions", {method: "POST", body: "{}"})
      .then(function (s) {
        state = {id: s.session_id, token: s.visitor_token};
        sessionStorage.setItem(storeKey, JSON.stringify(state));
        return state;
      });
  }
  function onFrame(frame) {
    if (frame.type === "history") { frame.messages.forEach(show); }
    else if (frame.type === "message") { show(frame.message); }
    else if (frame.type === "notice") {
      var who = frame.agent_name || "An agent";
      if (frame.notice === "agent_joined") { note(who + " joined the chat"); }
      else if (frame.notice === "typing") { note(who + " is typing…"); }
      else if (frame.notice === "ended") { note("The chat has ended."); sessionStorage.removeItem(storeKey); }
    } else if (frame.type === "ack") {
      // the visitor's own message, shown once the service has stored it
      show({id: frame.message_id, direction: "in", text: pending[frame.client_id] || ""});
      delete pending[frame.client_id];
    } else if (frame.type === "error") { note(frame.detail); }
  }
  function connect() {
    var url = base.replace(/^http/, "ws") + "/v1/chat/sessions/" + state.id + "/socket?token=" +
      encodeURIComponent(state.token);
    var opened = false;
    socket = new WebSocket(url);
    socket.onopen = function () { opened = true; };
    socket.onmessage = function (event) { onFrame(JSON.parse(event.data)); };
    socket.onclose = function () {
      socket = null;
      if (!opened) { poll(); } else { setTimeout(connect, 2000); }
    };
  }
  function poll() {
    if (polling) { return; }
    var tick = function () {
      api("/v1/chat/sessions/" + state.id + "/messages").then(function (lines) { lines.forEach(show); })
        .catch(function () {});
    };
    tick();
    polling = setInterval(tick, 3000);
  }
  function send(text) {
    var clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
    if (socket && socket.readyState === 1) {
      pending[clientId] = text;
      socket.send(JSON.stringify({type: "message", text: text, client_id: clientId}));
      return;
    }
    api("/v1/chat/sessions/" + state.id + "/messages",
        {method: "POST", body: JSON.stringify({text: text, client_id: clientId})})
      .then(function (a) { show({id: a.message_id, direction: "in", text: text}); })
      .catch(function (e) { note(e.message); });
  }
  button.addEventListener("click", function () {
    var open = box.style.display === "flex";
    box.style.display = open ? "none" : "flex";
    if (!open && !socket && !polling) {
      start().then(connect).catch(function (e) { note("Chat is unavailable: " + e.message); });
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || !state) { return; }
    input.value = "";
    send(text);
  });
  window.addEventListener("beforeunload", function () { if (socket) { socket.close(); } });
})();
