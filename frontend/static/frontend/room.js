/* Live-room client for participants, the facilitator console and the projector.
 * Speaks docs/protocol.md: server-authoritative state, events applied in seq order,
 * resume or resync, reconnect with backoff and full jitter, votes resent with the
 * same key until acknowledged. Renders with DOM APIs only (textContent). */
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root) return;
  var t = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s, a) { var i = 0; return s.replace(/%s/g, function () { return a[i++]; }); };
  var nt = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var role = root.dataset.role;
  var state = { seq: null, room: null, me: null, tallies: {}, drafts: {}, confirmed: null };
  var moderationNote = ""; // what to announce when the last moderation is acknowledged
  var pending = {}; // id -> act message not yet acknowledged (resent after a reconnect)
  var ws = null, attempt = 0, timer = null, resyncAt = 0, pingAt = 0, heardAt = 0;
  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $("live-status"), alertEl = $("live-alert"), stage = $("stage"), announcer = $("announce");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function setStatus(text, live) {
    document.body.dataset.status = live ? "live" : "reconnecting";
    if (statusEl) statusEl.textContent = text;
  }

  function showAlert(text) {
    if (!alertEl) return;
    alertEl.textContent = text || "";
    alertEl.hidden = !text;
  }

  function announce(text) { if (announcer) announcer.textContent = text; }

  function newKey() {
    // randomUUID needs a secure context; getRandomValues works on plain http too.
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var words = new Uint32Array(4);
    crypto.getRandomValues(words);
    return Array.prototype.map.call(words, function (n) { return n.toString(36); }).join("-");
  }

  /* ------------------------------------------------------------ activity kinds */

  // Other activity kinds (idea board, Q&A, vision voting ...) are small scripts loaded
  // before this one that register in window.LiveKinds[name] = { build, update,
  // results, countLabel }; poll kinds are drawn here. Each gets this api.
  var api = {
    role: role,
    el: el, t: t, fmt: fmt, nt: nt,
    announce: function (text) { announce(text); },
    alert: function (text) { showAlert(text); },
    mine: function (activity) { return myBallot(activity); },
    room: function () { return state.room; },
    tally: function (activity) { return (state.tallies[activity.id] || {}).tally; },
    // A participant command: kept and resent with the same key until acknowledged.
    act: function (activity, action, data) {
      var key = newKey();
      var message = { type: "act", id: key, key: key, activity: activity.id, action: action, data: data };
      pending[key] = message;
      showAlert("");
      send(message);
      return key;
    },
    // A facilitator moderation command on an activity.
    moderate: function (activity, action, data, note) {
      moderationNote = note || "";
      send({ type: "control", id: newKey(), action: "moderate", activity: activity.id, value: { action: action, data: data } });
    }
  };

  function kindOf(activity) {
    var kinds = window.LiveKinds || {};
    return Object.prototype.hasOwnProperty.call(kinds, activity.kind) ? kinds[activity.kind] : null;
  }

  /* ------------------------------------------------------------ connection */

  function connect() {
    clearTimeout(timer);
    timer = null;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    ws = socket;
    socket.onopen = function () {
      heardAt = Date.now();
      var hello = { type: "hello", role: role };
      if (root.dataset.token) hello.token = root.dataset.token;
      if (state.seq !== null) hello.last_seq = state.seq;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (e) {
      heardAt = Date.now();
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      handle(msg);
    };
    socket.onclose = function (e) {
      if (ws !== socket) return;
      ws = null;
      if (e.code === 4401) { location.href = "/j/" + encodeURIComponent(root.dataset.code); return; }
      if (e.code === 4403 || e.code === 4404) { setStatus(t("This page cannot join the session."), false); return; }
      setStatus(t("Connection lost. Reconnecting…"), false);
      // Exponential backoff, 0.5 s doubling to 15 s, with full jitter.
      var cap = Math.min(15000, 500 * Math.pow(2, attempt));
      attempt += 1;
      timer = setTimeout(connect, Math.random() * cap);
    };
  }

  function reconnectNow() {
    if (!ws && timer !== null && document.body.dataset.status !== "live") connect();
  }

  // A socket can die without a close event (a phone changing networks): ping now and
  // then, and drop a connection that stayed silent since the last ping.
  setInterval(function () {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (pingAt && heardAt < pingAt) { ws.close(); return; }
    pingAt = Date.now();
    send({ type: "ping" });
  }, 20000);
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) reconnectNow(); });

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function resync() {
    // One request at a time; ask again only if no snapshot came within 5 s.
    if (Date.now() - resyncAt < 5000) return;
    resyncAt = Date.now();
    send({ type: "resync" });
  }

  function handle(msg) {
    switch (msg.type) {
      case "welcome":
        attempt = 0;
        if (msg.me) state.me = msg.me;
        if (!msg.resumed) setRoom(msg.data);
        state.seq = msg.seq;
        resyncAt = 0;
        if (msg.connected !== undefined) setConnected(msg.connected);
        setStatus(t("Connected"), true);
        Object.keys(pending).forEach(function (k) { send(pending[k]); });
        render();
        break;
      case "snapshot":
        if (msg.me) state.me = msg.me;
        setRoom(msg.data);
        state.seq = msg.seq;
        resyncAt = 0;
        render();
        break;
      case "event":
        if (state.seq === null || msg.seq <= state.seq) return;
        if (msg.seq !== state.seq + 1) { resync(); return; }
        state.seq = msg.seq;
        if (msg.name === "room") { setRoom(msg.data); render(); }
        else if (msg.name === "tally") { state.tallies[msg.data.activity] = msg.data; render(msg.data.activity); }
        else if (msg.name === "item" && msg.data) applyItem(msg.data);
        else if (msg.name === "items" && msg.data) applyItems(msg.data);
        break;
      case "ack":
        if (!pending[msg.ref] && role === "participant") break;
        delete pending[msg.ref];
        var result = msg.result || {};
        if (role === "participant" && result.activity !== undefined && state.me) {
          if (result.ballot === null) delete state.me.ballots[String(result.activity)];
          else state.me.ballots[String(result.activity)] = result.ballot;
          state.confirmed = result.activity;
          stage.dataset.ack = msg.ref;
          delete state.drafts[result.activity];
          showAlert("");
          render();
        } else if (result.action === "moderate") {
          announce(moderationNote || t("Done."));
        }
        break;
      case "error":
        if (msg.ref !== undefined && pending[msg.ref]) {
          delete pending[msg.ref];
          var box = $("confirmation");
          if (box) box.textContent = "";
        }
        showAlert(msg.message);
        break;
      case "presence":
        setConnected(msg.connected);
        break;
      case "panel":
        drawPanel(msg);
        break;
    }
    document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
  }

  var roomCount = 0; // room data received: kinds with items redraw from the new lists

  function setRoom(data) {
    state.room = data;
    roomCount += 1;
    state.tallies = {};
    data.activities.forEach(function (a) {
      state.tallies[a.id] = { activity: a.id, count: a.count, tally: a.tally };
    });
  }

  // One changed item of an activity with items (see docs/protocol.md): its kind
  // merges it into activity.items, then the activity is drawn again.
  function applyItem(data) {
    applyItems({ activity: data.activity, changes: [data] });
  }

  // Several changes of one tick (an "items" event): merged in order, drawn once.
  function applyItems(data) {
    var activity = (state.room.activities || []).filter(function (a) { return a.id === data.activity; })[0];
    var plugin = activity && kindOf(activity);
    if (!plugin || !plugin.applyItem) return;
    data.changes.forEach(function (change) {
      plugin.applyItem(api, activity, Object.assign({}, change, { activity: data.activity }));
    });
    activity.version = (activity.version || 0) + 1;
    render(activity.id);
  }

  // Room panels (sessions/panels.py): each registers window.LivePanels[name] =
  // { draw(api, body, data) } from its own script; the message is its whole state.
  function drawPanel(msg) {
    var section = document.querySelector('[data-panel="' + msg.name + '"]');
    var plugin = (window.LivePanels || {})[msg.name];
    if (!section || !plugin) return;
    var body = section.querySelector(".panel-body");
    if (role === "screen") section.hidden = !(msg.shown && msg.data);
    if (!msg.data) { if (body) body.textContent = ""; return; }
    if (body) plugin.draw(api, body, msg.data);
  }

  function setConnected(n) {
    var node = $("connected");
    if (node) node.textContent = String(n);
  }

  /* ------------------------------------------------------------ rendering */

  function current() {
    var room = state.room;
    if (!room || room.current_activity === null) return null;
    return room.activities.filter(function (a) { return a.id === room.current_activity; })[0] || null;
  }

  function render(only) {
    if (role === "facilitator") return renderConsole(only);
    var ended = state.room && state.room.status === "closed";
    var note = $("note");
    if (note) { note.textContent = ended ? t("This session has ended. Thank you for taking part.") : ""; note.hidden = !ended; }
    var activity = current();
    if (!activity) {
      if (stage.dataset.activity !== "") {
        stage.replaceChildren(el("p", { className: "waiting", text: t("Waiting for the facilitator to open a question…") }));
        stage.dataset.activity = "";
      }
      return;
    }
    // Rebuild the form only when the activity or its state changes, so typing is never lost.
    var shape = activity.id + ":" + activity.status + ":" + activity.allow_change;
    if (stage.dataset.shape !== shape) {
      if (stage.dataset.activity !== String(activity.id)) announce(fmt(t("New question: %s"), [activity.title]));
      stage.dataset.activity = String(activity.id);
      stage.dataset.shape = shape;
      var plugin = kindOf(activity);
      var parts = [el("h2", { text: activity.title, id: "question" })];
      if (role === "participant") parts.push(plugin ? plugin.build(api, activity) : voteForm(activity));
      parts.push(el("p", { className: "count", id: "count" }), el("div", { className: "results", id: "results", "aria-live": "polite" }));
      stage.replaceChildren.apply(stage, parts);
    }
    var data = state.tallies[activity.id] || {};
    var n = data.count || 0;
    var kind = kindOf(activity);
    $("count").textContent = kind && kind.countLabel ? kind.countLabel(api, n) : fmt(nt("%s vote", "%s votes", n), [n]);
    renderResults($("results"), activity, data.tally);
    if (role === "participant") {
      if (kind) { if (kind.update) kind.update(api, activity); }
      else updateForm(activity);
    }
  }

  function renderConsole(only) {
    (state.room.activities || []).forEach(function (activity) {
      var id = activity.id;
      if (only !== undefined && only !== id) return;
      var data = state.tallies[id] || {};
      var countEl = document.querySelector('[data-count-for="' + id + '"]');
      if (countEl && data.count !== undefined) countEl.textContent = String(data.count);
      var box = document.querySelector('[data-results-for="' + id + '"]');
      if (box) renderResults(box, activity, data.tally);
    });
  }

  function myBallot(activity) {
    var b = state.me && state.me.ballots[String(activity.id)];
    return b === undefined ? null : b;
  }

  /* ------------------------------------------------------------ voting */

  function voteForm(activity) {
    var form = el("form", { className: "vote", "aria-labelledby": "question" });
    var fieldset = el("fieldset", {}, [el("legend", { text: hint(activity) })]);
    var ballot = myBallot(activity);
    var cfg = activity.config;
    var name = "a" + activity.id;
    if (activity.kind === "single_choice" || activity.kind === "multiple_choice") {
      var multi = activity.kind === "multiple_choice";
      cfg.options.forEach(function (label, i) {
        var id = name + "-" + i;
        var input = el("input", { type: multi ? "checkbox" : "radio", name: name, id: id, value: String(i) });
        input.checked = multi ? (ballot || []).indexOf(i) >= 0 : ballot === i;
        fieldset.appendChild(el("div", { className: "choice" }, [input, el("label", { for: id, text: label })]));
      });
      if (multi) form.addEventListener("change", function () { limitChoices(form, activity); });
    } else if (activity.kind === "scale") {
      var row = el("div", { className: "scale" });
      for (var v = cfg.min; v <= cfg.max; v++) {
        var sid = name + "-" + v;
        var radio = el("input", { type: "radio", name: name, id: sid, value: String(v) });
        radio.checked = ballot === v;
        var end = v === cfg.min ? cfg.min_label : v === cfg.max ? cfg.max_label : "";
        var label = el("label", { for: sid, text: String(v) }, [end ? el("span", { className: "visually-hidden", text: " – " + end }) : null]);
        row.appendChild(el("span", { className: "step" }, [radio, label]));
      }
      fieldset.appendChild(row);
      if (cfg.min_label || cfg.max_label) {
        fieldset.appendChild(el("p", { className: "ends", "aria-hidden": "true" }, [el("span", { text: cfg.min_label || "" }), el("span", { text: cfg.max_label || "" })]));
      }
    } else if (activity.kind === "word_cloud") {
      for (var w = 0; w < cfg.max_entries; w++) {
        var wid = name + "-" + w;
        fieldset.appendChild(el("div", { className: "entry" }, [
          el("label", { for: wid, text: fmt(t("Entry %s"), [w + 1]) }),
          el("input", { type: "text", id: wid, name: name, maxlength: String(cfg.max_length), autocomplete: "off", value: (ballot || [])[w] || "" })
        ]));
      }
    } else if (activity.kind === "ranking") {
      state.drafts[activity.id] = (ballot || state.drafts[activity.id] || cfg.options.map(function (_, i) { return i; })).slice();
      var list = el("ol", { className: "ranking", role: "list" });
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

  function limitChoices(form, activity) {
    // The server refuses more than max_choices; say so in the form too.
    var boxes = form.querySelectorAll("input[type=checkbox]");
    var full = form.querySelectorAll("input:checked").length >= activity.config.max_choices;
    boxes.forEach(function (b) { if (!b.checked) b.disabled = full; });
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
    var keep = delta < 0 ? buttons[0] : buttons[1];
    (keep.disabled ? (delta < 0 ? buttons[1] : buttons[0]) : keep).focus();
    announce(fmt(t("%s is now number %s"), [activity.config.options[item], target + 1]));
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
    showAlert("");
    var key = newKey();
    var message = { type: "act", id: key, key: key, activity: activity.id, action: "vote", data: data };
    pending[key] = message;
    state.confirmed = null;
    $("confirmation").textContent = t("Sending…");
    send(message); // if the socket is down, the welcome after reconnecting sends it
  }

  function updateForm(activity) {
    var box = $("confirmation");
    if (!box) return;
    var form = box.closest("form");
    var voted = myBallot(activity) !== null;
    var closed = activity.status !== "open" || state.room.status === "closed";
    var locked = closed || (voted && !activity.allow_change);
    // Touch the controls only when the lock changes: a redraw on every tally would
    // undo the per-control states (limits, ends of the ranking) and lose focus.
    if (form.dataset.locked !== String(locked)) {
      form.dataset.locked = String(locked);
      form.querySelectorAll("input, button").forEach(function (n) { n.disabled = locked; });
      if (!locked && activity.kind === "multiple_choice") limitChoices(form, activity);
      if (!locked && activity.kind === "ranking") drawRanking(form.querySelector("ol"), activity);
    }
    if (closed) box.textContent = t("This question is closed.");
    else if (state.confirmed === activity.id) box.textContent = t("Vote recorded. Thank you!");
    else if (voted && !activity.allow_change) box.textContent = t("You have voted.");
    else if (voted) box.textContent = t("You have voted. You can change your answer while the question is open.");
  }

  /* ------------------------------------------------------------ results */

  function renderResults(box, activity, tally) {
    // Redraw only what changed: the region is aria-live, every redraw is announced.
    var sig = JSON.stringify(tally || null) + (activity.status || "") + ":" + (activity.version || 0) +
      (activity.items !== undefined ? ":" + roomCount : "");
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    var plugin = kindOf(activity);
    if (plugin) { plugin.results(api, box, activity, tally); return; }
    if (!tally) {
      var wait = role === "participant" ? t("Results will be shown when the facilitator allows it.") : "";
      box.replaceChildren(wait ? el("p", { className: "muted", text: wait }) : "");
      return;
    }
    var rows, head, top;
    if (activity.kind === "word_cloud") {
      head = [t("Entry"), t("Count")];
      top = Math.max(1, tally.words.length ? tally.words[0].count : 1);
      rows = tally.words.map(function (w) { return [w.text, w.count, w.count / top * 100]; });
    } else if (activity.kind === "scale") {
      head = [t("Value"), t("Votes"), t("Share")];
      rows = tally.distribution.map(function (d) { return [String(d.value), d.count, d.percent, d.percent + " %"]; });
    } else if (activity.kind === "ranking") {
      head = [t("Option"), t("Borda score"), t("Mean rank")];
      top = Math.max(1, tally.options.length ? tally.options[0].borda : 1);
      rows = tally.options.map(function (o) { return [o.label, o.borda, o.borda / top * 100, o.mean_rank === null ? "–" : String(o.mean_rank)]; });
    } else {
      head = [t("Option"), t("Votes"), t("Share")];
      rows = tally.options.map(function (o) { return [o.label, o.count, o.percent, o.percent + " %"]; });
    }
    var moderate = role === "facilitator" && activity.kind === "word_cloud";
    if (moderate) head.push(t("Moderation"));
    var caption = t("Results");
    if (activity.kind === "scale" && tally.mean !== null) caption = fmt(t("Results (mean %s)"), [tally.mean]);
    if (activity.kind === "word_cloud" && !rows.length) caption = t("No entries yet.");
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.word : null;
    var body = el("tbody");
    rows.forEach(function (r) {
      var bar = el("span", { className: "bar", "aria-hidden": "true" });
      bar.style.width = Math.max(0, Math.min(100, r[2])) + "%";
      var cells = [el("th", { scope: "row" }, [r[0], bar]), el("td", { text: String(r[1]) })];
      if (r[3] !== undefined) cells.push(el("td", { text: r[3] }));
      if (moderate) {
        var hide = el("button", { type: "button", className: "small", text: t("Hide"), "aria-label": fmt(t("Hide “%s”"), [r[0]]) });
        hide.dataset.word = r[0];
        hide.addEventListener("click", function () {
          moderationNote = t("Entry hidden. Reload the page to list hidden entries.");
          send({ type: "control", id: newKey(), action: "moderate", activity: activity.id, value: { action: "hide_entry", data: r[0] } });
        });
        cells.push(el("td", {}, [hide]));
      }
      body.appendChild(el("tr", {}, cells));
    });
    box.replaceChildren(el("table", { className: "tally" }, [
      el("caption", { text: caption }),
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      body
    ]));
    if (focused) {
      var again = box.querySelector('button[data-word="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  setStatus(t("Connecting…"), false);
  connect();
})();
