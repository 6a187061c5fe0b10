/* Live-room client for participants, the facilitator console and the projector.
 * Speaks docs/protocol.md: server-authoritative state, ordered events, resume or
 * resync, reconnect with backoff and full jitter, votes resent with the same key. */
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var t = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s) { return s; };
  var nt = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var role = root.dataset.role;
  var state = { seq: null, room: null, me: null, tallies: {}, drafts: {} };
  var pending = {}; // key -> act message not yet acknowledged
  var ws = null;
  var attempt = 0;
  var statusEl = document.getElementById("live-status");
  var alertEl = document.getElementById("live-alert");
  var stage = document.getElementById("stage");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function setStatus(text, live) {
    document.body.dataset.status = live ? "live" : "reconnecting";
    if (statusEl) statusEl.textContent = text;
  }

  function showAlert(text) {
    if (!alertEl) return;
    alertEl.textContent = text;
    alertEl.hidden = !text;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  /* ------------------------------------------------------------ connection */

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + root.dataset.wsPath);
    ws.onopen = function () {
      var hello = { type: "hello", role: role };
      if (root.dataset.token) hello.token = root.dataset.token;
      if (state.seq !== null) hello.last_seq = state.seq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (e) { handle(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      if (e.code === 4401) { location.href = "/j/" + root.dataset.code; return; }
      if (e.code === 4403 || e.code === 4404) { setStatus(t("This page cannot join the session."), false); return; }
      setStatus(t("Connection lost. Reconnecting…"), false);
      // Exponential backoff, 0.5 s doubling to 15 s, with full jitter.
      var cap = Math.min(15000, 500 * Math.pow(2, attempt));
      attempt += 1;
      setTimeout(connect, Math.random() * cap);
    };
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function handle(msg) {
    switch (msg.type) {
      case "welcome":
        attempt = 0;
        if (msg.me) state.me = msg.me;
        if (!msg.resumed) setRoom(msg.data);
        state.seq = msg.seq;
        if (msg.connected !== undefined) setConnected(msg.connected);
        setStatus(t("Connected"), true);
        Object.keys(pending).forEach(function (k) { send(pending[k]); });
        render();
        break;
      case "snapshot":
        if (msg.me) state.me = msg.me;
        setRoom(msg.data);
        state.seq = msg.seq;
        render();
        break;
      case "event":
        if (state.seq !== null && msg.seq <= state.seq) return;
        if (state.seq !== null && msg.seq !== state.seq + 1) { send({ type: "resync" }); return; }
        state.seq = msg.seq;
        if (msg.name === "room") setRoom(msg.data); else setTally(msg.data);
        render();
        break;
      case "ack":
        delete pending[msg.ref];
        if (msg.result && msg.result.activity !== undefined && state.me) {
          state.me.ballots[String(msg.result.activity)] = msg.result.ballot;
          state.confirmed = msg.result.activity;
          delete state.drafts[msg.result.activity];
        }
        showAlert("");
        render();
        break;
      case "error":
        if (msg.ref !== undefined) delete pending[msg.ref];
        showAlert(msg.message);
        break;
      case "presence":
        setConnected(msg.connected);
        break;
    }
    document.body.dataset.seq = state.seq;
  }

  function setRoom(data) {
    state.room = data;
    state.tallies = {};
    data.activities.forEach(function (a) {
      state.tallies[a.id] = { activity: a.id, count: a.count, tally: a.tally };
    });
  }

  function setTally(data) { state.tallies[data.activity] = data; }

  function setConnected(n) {
    var node = document.getElementById("connected");
    if (node) node.textContent = String(n);
  }

  /* ------------------------------------------------------------ rendering */

  function current() {
    if (!state.room || state.room.current_activity === null) return null;
    for (var i = 0; i < state.room.activities.length; i++) {
      if (state.room.activities[i].id === state.room.current_activity) return state.room.activities[i];
    }
    return null;
  }

  function render() {
    if (role === "facilitator") return renderConsole();
    var activity = current();
    var key = activity ? activity.id + ":" + activity.status + ":" + state.seq : "none";
    if (!activity) {
      stage.replaceChildren(el("p", { className: "waiting", text: t("Waiting for the facilitator to open a question…") }));
      stage.dataset.activity = "";
      return;
    }
    // Rebuild the form only when the activity changes, so typing is never lost.
    if (stage.dataset.activity !== String(activity.id) || stage.dataset.status !== activity.status) {
      stage.dataset.activity = String(activity.id);
      stage.dataset.status = activity.status;
      var parts = [el("h2", { text: activity.title, id: "question" })];
      if (role === "participant") parts.push(voteForm(activity));
      parts.push(el("p", { className: "count", id: "count" }), el("div", { className: "results", id: "results" }));
      stage.replaceChildren.apply(stage, parts);
    }
    var data = state.tallies[activity.id] || {};
    var count = document.getElementById("count");
    var n = data.count || 0;
    count.textContent = fmt(nt("%s vote", "%s votes", n), [n]);
    renderResults(document.getElementById("results"), activity, data.tally);
    if (role === "participant") updateConfirmation(activity);
    document.body.dataset.render = key;
  }

  function renderConsole() {
    Object.keys(state.tallies).forEach(function (id) {
      var data = state.tallies[id];
      var countEl = document.querySelector('[data-count-for="' + id + '"]');
      if (countEl && data.count !== undefined) countEl.textContent = String(data.count);
      var box = document.querySelector('[data-results-for="' + id + '"]');
      var activity = (state.room.activities || []).filter(function (a) { return String(a.id) === id; })[0];
      if (box && activity) renderResults(box, activity, data.tally);
    });
  }

  function myBallot(activity) {
    if (!state.me) return undefined;
    return state.me.ballots[String(activity.id)];
  }

  /* ------------------------------------------------------------ voting */

  function voteForm(activity) {
    var form = el("form", { className: "vote", "aria-labelledby": "question" });
    var fieldset = el("fieldset");
    var legend = el("legend", { text: hint(activity) });
    fieldset.appendChild(legend);
    var ballot = myBallot(activity);
    var cfg = activity.config;
    var name = "a" + activity.id;
    if (activity.kind === "single_choice" || activity.kind === "multiple_choice") {
      var multi = activity.kind === "multiple_choice";
      cfg.options.forEach(function (label, i) {
        var id = name + "-" + i;
        var input = el("input", { type: multi ? "checkbox" : "radio", name: name, id: id, value: String(i) });
        if (multi ? (ballot || []).indexOf(i) >= 0 : ballot === i) input.checked = true;
        fieldset.appendChild(el("div", { className: "choice" }, [input, el("label", { for: id, text: label })]));
      });
    } else if (activity.kind === "scale") {
      var row = el("div", { className: "scale" });
      for (var v = cfg.min; v <= cfg.max; v++) {
        var sid = name + "-" + v;
        var radio = el("input", { type: "radio", name: name, id: sid, value: String(v) });
        if (ballot === v) radio.checked = true;
        row.appendChild(el("span", { className: "step" }, [radio, el("label", { for: sid, text: String(v) })]));
      }
      fieldset.appendChild(row);
      if (cfg.min_label || cfg.max_label) {
        fieldset.appendChild(el("p", { className: "ends", text: cfg.min + " = " + (cfg.min_label || "") + " · " + cfg.max + " = " + (cfg.max_label || "") }));
      }
    } else if (activity.kind === "word_cloud") {
      for (var w = 0; w < cfg.max_entries; w++) {
        var wid = name + "-" + w;
        fieldset.appendChild(el("div", { className: "entry" }, [
          el("label", { for: wid, text: fmt(t("Entry %s"), [w + 1]) }),
          el("input", { type: "text", id: wid, name: name, maxlength: String(cfg.max_length), value: (ballot || [])[w] || "" })
        ]));
      }
    } else if (activity.kind === "ranking") {
      var list = el("ol", { className: "ranking", id: name + "-order" });
      var order = ballot || state.drafts[activity.id] || cfg.options.map(function (_, i) { return i; });
      state.drafts[activity.id] = order.slice();
      fieldset.appendChild(list);
      drawRanking(list, activity);
    }
    form.appendChild(fieldset);
    form.appendChild(el("button", { type: "submit", text: t("Send my answer") }));
    form.appendChild(el("p", { className: "confirmation", id: "confirmation", role: "status" }));
    form.addEventListener("submit", function (e) { e.preventDefault(); submitVote(activity, form); });
    return form;
  }

  function hint(activity) {
    var cfg = activity.config;
    if (activity.kind === "multiple_choice") return fmt(t("Choose up to %s options"), [cfg.max_choices]);
    if (activity.kind === "word_cloud") return fmt(t("Up to %s short entries"), [cfg.max_entries]);
    if (activity.kind === "ranking") return t("Put the options in order, most important first");
    if (activity.kind === "scale") return fmt(t("Choose a value from %s to %s"), [cfg.min, cfg.max]);
    return t("Choose one option");
  }

  function drawRanking(list, activity) {
    var order = state.drafts[activity.id];
    list.replaceChildren();
    order.forEach(function (option, position) {
      var label = activity.config.options[option];
      var up = el("button", { type: "button", className: "small", "aria-label": fmt(t("Move %s up"), [label]), text: "↑" });
      var down = el("button", { type: "button", className: "small", "aria-label": fmt(t("Move %s down"), [label]), text: "↓" });
      up.disabled = position === 0;
      down.disabled = position === order.length - 1;
      up.addEventListener("click", function () { move(list, activity, position, -1); });
      down.addEventListener("click", function () { move(list, activity, position, 1); });
      list.appendChild(el("li", {}, [el("span", { text: label }), up, down]));
    });
  }

  function move(list, activity, position, delta) {
    var order = state.drafts[activity.id];
    var target = position + delta;
    var item = order.splice(position, 1)[0];
    order.splice(target, 0, item);
    drawRanking(list, activity);
    var buttons = list.children[target].querySelectorAll("button");
    (delta < 0 ? buttons[0] : buttons[1]).focus();
  }

  function submitVote(activity, form) {
    var data;
    var inputs = form.querySelectorAll("input");
    if (activity.kind === "single_choice" || activity.kind === "scale") {
      var picked = form.querySelector("input:checked");
      if (!picked) { showAlert(t("Choose an answer first.")); return; }
      data = parseInt(picked.value, 10);
    } else if (activity.kind === "multiple_choice") {
      data = [];
      inputs.forEach(function (i) { if (i.checked) data.push(parseInt(i.value, 10)); });
      if (!data.length) { showAlert(t("Choose an answer first.")); return; }
      if (data.length > activity.config.max_choices) {
        showAlert(fmt(t("Choose at most %s options."), [activity.config.max_choices]));
        return;
      }
    } else if (activity.kind === "word_cloud") {
      data = [];
      inputs.forEach(function (i) { if (i.value.trim()) data.push(i.value); });
      if (!data.length) { showAlert(t("Write at least one entry.")); return; }
    } else if (activity.kind === "ranking") {
      data = state.drafts[activity.id].slice();
    }
    var key = newKey();
    var message = { type: "act", id: key, key: key, activity: activity.id, action: "vote", data: data };
    pending[key] = message;
    state.confirmed = null;
    document.getElementById("confirmation").textContent = t("Sending…");
    send(message);
  }

  function updateConfirmation(activity) {
    var box = document.getElementById("confirmation");
    if (!box) return;
    var form = box.closest("form");
    var voted = myBallot(activity) !== undefined && myBallot(activity) !== null;
    var closed = activity.status !== "open";
    var locked = closed || (voted && !activity.allow_change);
    form.querySelectorAll("input, button").forEach(function (n) { n.disabled = locked; });
    if (closed) box.textContent = t("This question is closed.");
    else if (state.confirmed === activity.id) box.textContent = t("Vote recorded. Thank you!");
    else if (voted && !activity.allow_change) box.textContent = t("You have voted.");
    else if (voted) box.textContent = t("You have voted. You can change your answer while the question is open.");
  }

  /* ------------------------------------------------------------ results */

  function renderResults(box, activity, tally) {
    if (!tally) {
      box.replaceChildren(role === "participant" ? el("p", { className: "muted", text: t("Results will be shown when the facilitator allows it.") }) : el("span"));
      return;
    }
    var rows = [];
    var head;
    if (activity.kind === "word_cloud") {
      head = [t("Entry"), t("Count")];
      rows = tally.words.map(function (w) { return [w.text, String(w.count), w.count / Math.max(1, tally.words[0].count) * 100, w.text]; });
    } else if (activity.kind === "scale") {
      head = [t("Value"), t("Votes"), t("Share")];
      rows = tally.distribution.map(function (d) { return [String(d.value), String(d.count), d.percent, d.percent + " %"]; });
    } else if (activity.kind === "ranking") {
      head = [t("Option"), t("Borda score"), t("Mean rank")];
      var top = Math.max(1, tally.options.length ? tally.options[0].borda : 1);
      rows = tally.options.map(function (o) { return [o.label, String(o.borda), o.borda / top * 100, o.mean_rank === null ? "–" : String(o.mean_rank)]; });
    } else {
      head = [t("Option"), t("Votes"), t("Share")];
      rows = tally.options.map(function (o) { return [o.label, String(o.count), o.percent, o.percent + " %"]; });
    }
    var table = el("table", { className: "tally" }, [
      el("caption", { text: activity.kind === "scale" && tally.mean !== null ? fmt(t("Results (mean %s)"), [tally.mean]) : t("Results") }),
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))])
    ]);
    var body = el("tbody");
    rows.forEach(function (r) {
      var bar = el("span", { className: "bar", "aria-hidden": "true" });
      bar.style.width = Math.max(0, Math.min(100, r[2])) + "%";
      var cells = [el("th", { scope: "row", text: r[0] }), el("td", {}, [document.createTextNode(r[1] + " "), bar])];
      if (head.length === 3) cells.push(el("td", { text: r[3] }));
      if (role === "facilitator" && activity.kind === "word_cloud") {
        var hide = el("button", { type: "button", className: "small", text: t("Hide") });
        hide.setAttribute("aria-label", fmt(t("Hide “%s”"), [r[0]]));
        hide.addEventListener("click", function () {
          send({ type: "control", id: newKey(), action: "moderate", activity: activity.id, value: { action: "hide_entry", data: r[0] } });
        });
        cells.push(el("td", {}, [hide]));
      }
      body.appendChild(el("tr", {}, cells));
    });
    table.appendChild(body);
    box.replaceChildren(table);
  }

  setStatus(t("Connecting…"), false);
  connect();
})();
