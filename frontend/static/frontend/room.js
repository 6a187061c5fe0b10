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
  var state = { seq: null, room: null, me: null, tallies: {} };
  var clockOffset = 0; // server time minus this browser's, in ms (from the welcome's "now")
  var controls = {}; // id -> callback of a facilitator control awaiting its ack or error
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

  var announcedAt = 0; // when something other than new results was last announced
  function announce(text) { announcedAt = Date.now(); if (announcer) announcer.textContent = text; }

  function newKey() {
    // randomUUID needs a secure context; getRandomValues works on plain http too.
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var words = new Uint32Array(4);
    crypto.getRandomValues(words);
    return Array.prototype.map.call(words, function (n) { return n.toString(36); }).join("-");
  }

  /* ------------------------------------------------------------ activity kinds */

  // Every activity kind is a small script (loaded before this one, or by kindState
  // below) that registers in window.LiveKinds[name] = { build, update, results, countLabel, applyItem? }
  // (docs/architecture.md, "Adding a kind"); this page names no kind. Each gets this api.
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
    // A facilitator moderation command on an activity; note is announced once the
    // server acknowledges it.
    moderate: function (activity, action, data, note) {
      moderationNote = note || "";
      send({ type: "control", id: newKey(), action: "moderate", activity: activity.id, value: { action: action, data: data } });
    },
    voteForm: voteForm,
    refreshVoteForm: refreshVoteForm,
    resultsTable: resultsTable,
    bar: bar
  };

  // The kind's script, once it has registered and its files have loaded; null before
  // (its files are then loaded, see kindState) and for a kind without a script.
  function kindOf(activity) {
    return kindState(activity.kind) === "ready" ? window.LiveKinds[activity.kind] : null;
  }

  function registered(name) {
    return Object.prototype.hasOwnProperty.call(window.LiveKinds || {}, name);
  }

  // A page loads the scripts and style sheets of the kinds on the agenda it was drawn
  // with. A kind added later is loaded from the addresses on room.js's own element,
  // data-kind-assets = { name: { scripts: [required..., script], style } } (same
  // origin, <script src> and <link rel=stylesheet>: the CSP allows nothing inline);
  // its activities say "Loading…" until it is ready, then the room is drawn again.
  var kindAssets = {};
  try {
    var assetsNode = document.querySelector("script[data-kind-assets]");
    kindAssets = JSON.parse((assetsNode && assetsNode.getAttribute("data-kind-assets")) || "{}");
  } catch (err) { kindAssets = {}; }
  var kindLoads = {}; // name -> "loading", "ready" or "failed", for kinds loaded here
  var waitingItems = {}; // activity id -> item changes that came while its kind loaded

  function onPage(selector, property, url) {
    return Array.prototype.some.call(document.querySelectorAll(selector), function (n) { return n[property] === url; });
  }

  // "ready", "loading" (its files are being loaded: started here the first time) or
  // "failed" (no script, or its files could not be loaded).
  function kindState(name) {
    if (kindLoads[name]) return kindLoads[name];
    if (registered(name)) return "ready";
    var files = Object.prototype.hasOwnProperty.call(kindAssets, name) ? kindAssets[name] : null;
    if (!files || !files.scripts || !files.scripts.length) return "failed";
    kindLoads[name] = "loading";
    var left = 1, failed = false, later = false;
    function settle(ok) {
      failed = failed || !ok;
      left -= 1;
      if (left > 0) return;
      kindLoads[name] = !failed && registered(name) ? "ready" : "failed";
      if (later) kindLoaded(name); // not while the caller is still drawing
    }
    function add(node, ok) {
      left += 1;
      node.addEventListener("load", function () { settle(true); });
      node.addEventListener("error", function () { settle(ok); });
      document.head.appendChild(node);
    }
    files.scripts.forEach(function (path) {
      var url = new URL(path, location.href).href;
      if (onPage("script[src]", "src", url)) return; // loaded, or loading in order before this kind's
      var node = document.createElement("script");
      node.src = url;
      node.async = false; // run in the order added: what a script requires first
      add(node, false);
    });
    if (files.style) {
      var href = new URL(files.style, location.href).href;
      if (!onPage('link[rel="stylesheet"]', "href", href)) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        add(link, true); // a missing style sheet leaves the activity usable, unstyled
      }
    }
    settle(true); // the count's own 1: settles now if every file was on the page already
    later = true;
    return kindLoads[name];
  }

  // A kind loaded later is ready (or failed): item changes that came meanwhile are
  // merged, then everything is drawn again.
  function kindLoaded(name) {
    if (!state.room) return;
    Object.keys(waitingItems).forEach(function (id) {
      var activity = state.room.activities.filter(function (a) { return String(a.id) === id; })[0];
      if (!activity || activity.kind !== name) return;
      var changes = waitingItems[id];
      delete waitingItems[id];
      applyItems({ activity: activity.id, changes: changes });
    });
    render();
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
      // A participant's token is in the HTTP-only room cookie the handshake carried.
      var hello = { type: "hello", role: role };
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
      if (e.code === 4410) { setStatus(t("This session has ended."), false); return; }
      if (e.code === 4429) setStatus(t("Too many wrong session codes were tried from your network. This page keeps trying."), false);
      else setStatus(t("Connection lost. Reconnecting…"), false);
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
        if (typeof msg.now === "number") clockOffset = msg.now * 1000 - Date.now();
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
        else if (msg.name === "tally") {
          var map = mapOf(activityOf(msg.data.activity));
          if (map) msg.data.tally = localise(msg.data.tally, map);
          state.tallies[msg.data.activity] = msg.data;
          render(msg.data.activity);
        }
        else if (msg.name === "item" && msg.data) applyItem(localise(msg.data, mapOf(activityOf(msg.data.activity))));
        else if (msg.name === "items" && msg.data) applyItems(localise(msg.data, mapOf(activityOf(msg.data.activity))));
        break;
      case "ack":
        if (controls[msg.ref]) { finishControl(msg.ref, null, msg.result || {}); break; }
        if (!pending[msg.ref] && role === "participant") break;
        delete pending[msg.ref];
        var result = msg.result || {};
        if (role === "participant" && result.activity !== undefined && state.me) {
          if (result.ballot === null) delete state.me.ballots[String(result.activity)];
          else state.me.ballots[String(result.activity)] = result.ballot;
          stage.dataset.ack = msg.ref;
          showAlert("");
          render();
        } else if (result.action === "moderate") {
          announce(moderationNote || t("Done."));
        }
        break;
      case "error":
        if (controls[msg.ref]) { finishControl(msg.ref, msg, null); break; }
        if (msg.code === "busy" && msg.ref !== undefined && pending[msg.ref]) {
          // Over capacity (docs/protocol.md): the same command, same key, goes again
          // after the time the server asks for, spread out so the room does not
          // answer all at once.
          var again = pending[msg.ref];
          var wait = (msg.retry_after_ms || 1000) * (1 + Math.random());
          setTimeout(function () { if (pending[again.id]) send(again); }, wait);
          showAlert(t("The room is very busy; your answer is sent again in a moment."));
          break;
        }
        if (msg.ref !== undefined && pending[msg.ref]) {
          delete pending[msg.ref];
          var box = $("confirmation");
          if (box) box.textContent = "";
        }
        showAlert(msg.message);
        break;
      case "skipped":
        // Events this socket was not sent because a later one replaced them while it
        // was slow (a tally superseded by a newer tally): as good as received.
        (msg.seqs || []).slice().sort(function (a, b) { return a - b; }).forEach(function (s) {
          if (state.seq !== null && s === state.seq + 1) state.seq = s;
        });
        break;
      case "presence":
        setConnected(msg.connected);
        break;
      case "panel":
        drawPanel(msg);
        break;
    }
    document.body.dataset.seq = state.seq === null ? "" : String(state.seq);
    if (msg.type === "welcome" || msg.type === "snapshot" || (msg.type === "event" && msg.name === "room")) {
      // Pages style the session's state and the projector's join panel from these.
      if (state.room) {
        document.body.dataset.session = state.room.status;
        document.body.dataset.joinPanel = state.room.join_panel || "shown";
      }
      root.dispatchEvent(new CustomEvent("live:room", { detail: state.room }));
    }
  }

  /* ------------------------------------------------------------ facilitator controls */

  // A facilitator command over the live connection (docs/protocol.md, "control"):
  // done(error, result) is called with the server's error message or its ack's result.
  // Returns false when there is no open connection: the caller posts its form instead.
  function control(action, activity, value, done) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    var id = newKey();
    var message = { type: "control", id: id, action: action };
    if (activity !== null && activity !== undefined) message.activity = activity;
    if (value !== undefined) message.value = value;
    controls[id] = done || function () {};
    send(message);
    return true;
  }

  // A posted command form (frontend/_command.html: action, activity, value, panel,
  // moderate; the pressed button's own name and value too) as a control message carries
  // it: { action, activity, value }, the value read as sessions/commands.py reads a form.
  function formCommand(form, submitter) {
    var f = {};
    Array.prototype.forEach.call(form.elements, function (node) {
      if (node.name && node.tagName !== "BUTTON") f[node.name] = node.value;
    });
    if (submitter && submitter.name) f[submitter.name] = submitter.value;
    var flag = f.value === "true" ? true : f.value === "false" ? false : f.value;
    var number = /^-?\d+$/.test(f.value || "") ? parseInt(f.value, 10) : f.value;
    var value = {
      lock: flag, reveal: flag, move: number, timer: number,
      show_panel: { panel: f.panel || "", shown: flag },
      moderate: { action: f.moderate || "", data: f.value }
    }[f.action];
    if (value === undefined && f.value !== undefined && f.value !== "") value = f.value;
    return { action: f.action, activity: /^\d+$/.test(f.activity || "") ? parseInt(f.activity, 10) : null, value: value };
  }

  function finishControl(ref, error, result) {
    var done = controls[ref];
    delete controls[ref];
    if (error) showAlert(error.message);
    done(error, result);
  }

  // Scripts of the facilitator's pages (console.js, presenter.js) use the room through
  // this: its state, its controls, and a "live:room" event on #live whenever the room
  // data changes.
  window.LiveRoom = {
    root: root,
    api: api,
    control: control,
    formCommand: formCommand,
    room: function () { return state.room; },
    tally: function (id) { return state.tallies[id] || {}; },
    now: function () { return Date.now() + clockOffset; },
    connected: function () { return !!ws && ws.readyState === WebSocket.OPEN; },
    // Draw counts and results again, e.g. into a [data-results-for] box just added.
    redraw: function () { if (state.room) render(); }
  };

  var roomCount = 0; // room data received: kinds with items redraw from the new lists

  /* ------------------------------------------------------------ translations */

  // Participants and the projector read an activity's texts in the page's language
  // where the organiser translated them (its "translations": original -> translation,
  // docs/protocol.md), and otherwise in the original, marked. The console keeps the
  // originals its facilitator wrote.
  var pageLanguage = (document.documentElement.lang || "en").toLowerCase();
  var translates = role !== "facilitator";

  function mapOf(activity) {
    if (!translates || !activity || activity.language === pageLanguage) return null;
    return (activity.translations || {})[pageLanguage] || null;
  }

  // ``value`` with every string the map knows replaced by its translation.
  function localise(value, map) {
    if (!map || value === null || value === undefined) return value;
    if (typeof value === "string") return Object.prototype.hasOwnProperty.call(map, value) ? map[value] : value;
    if (Array.isArray(value)) return value.map(function (v) { return localise(v, map); });
    if (typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = localise(value[k], map); });
      return out;
    }
    return value;
  }

  function localiseActivity(a) {
    var map = mapOf(a);
    a.original = translates && a.language !== pageLanguage && !(map && map[a.title]);
    if (!map) return;
    a.title = localise(a.title, map);
    a.config = localise(a.config, map);
    if (a.items) a.items = localise(a.items, map);
    a.tally = localise(a.tally, map);
  }

  function languageName(code) {
    try { return new Intl.DisplayNames([code], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }

  function activityOf(id) {
    return ((state.room && state.room.activities) || []).filter(function (a) { return a.id === id; })[0] || null;
  }

  function setRoom(data) {
    state.room = data;
    roomCount += 1;
    state.tallies = {};
    waitingItems = {}; // the lists in the room data have them
    data.activities.forEach(function (a) {
      localiseActivity(a);
      state.tallies[a.id] = { activity: a.id, count: a.count, tally: a.tally };
      kindState(a.kind); // a kind added to the agenda starts loading before it opens
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
    if (activity && !plugin && kindState(activity.kind) === "loading") {
      waitingItems[activity.id] = (waitingItems[activity.id] || []).concat(data.changes);
      return;
    }
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
    if (node) node.textContent = window.LiveLocale ? window.LiveLocale.number(n, 0) : String(n);
  }

  /* ------------------------------------------------------------ rendering */

  function current() {
    var room = state.room;
    if (!room || room.current_activity === null) return null;
    return room.activities.filter(function (a) { return a.id === room.current_activity; })[0] || null;
  }

  // The facilitator's countdown (room data "timer") in #timer, on every page that has one.
  var timerEl = $("timer");
  function drawTimer() {
    if (!timerEl) return;
    var timer = state.room && state.room.timer;
    var ended = state.room && state.room.status === "closed";
    if (!timer || ended) { timerEl.hidden = true; timerEl.textContent = ""; return; }
    var left = Math.max(0, Math.ceil((timer.ends_at * 1000 - Date.now() - clockOffset) / 1000));
    var text = left > 0 ? Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2) : t("Time is up");
    timerEl.hidden = false;
    timerEl.dataset.left = String(left);
    timerEl.classList.toggle("over", left === 0);
    timerEl.classList.toggle("soon", left > 0 && left <= 10);
    if (timerEl.textContent !== text) timerEl.textContent = text;
  }
  if (timerEl) setInterval(drawTimer, 250);

  // A closed session: a thank-you, and where to go on (the process's consultation).
  function drawEnded() {
    var note = $("note");
    if (!note) return;
    var ended = !!state.room && state.room.status === "closed";
    document.body.classList.toggle("ended", ended);
    note.hidden = !ended;
    if (!ended) { note.replaceChildren(); return; }
    var parts = [el("strong", { text: t("This session has ended. Thank you for taking part.") })];
    var next = state.room.follow_up;
    if (next) {
      parts.push(" ", el("span", { text: t("The conversation goes on in the consultation:") }), " ",
        el("a", { href: next.url, text: next.title }));
    }
    note.replaceChildren.apply(note, parts);
  }

  function render(only) {
    drawTimer();
    if (role === "facilitator") return renderConsole(only);
    drawEnded();
    var activity = current();
    // The projector styles its lobby (no activity yet) from this.
    if (role === "screen") document.body.dataset.activity = activity ? String(activity.id) : "";
    if (!activity) {
      // A projector before the session starts says so; otherwise everyone waits.
      var waiting = role === "screen" && state.room && state.room.status === "draft" ?
        t("Starting soon") : t("Waiting for the facilitator to open a question…");
      if (stage.dataset.activity !== "" || stage.dataset.waiting !== waiting) {
        stage.replaceChildren(el("p", { className: "waiting", text: waiting }));
        stage.dataset.activity = "";
        stage.dataset.shape = ""; // the same activity shown again is drawn again
        stage.dataset.waiting = waiting;
      }
      return;
    }
    // Rebuild the form only when the activity or its state changes (or its kind's script
    // has just loaded), so typing is never lost.
    var kind = kindOf(activity);
    var loading = !kind && kindState(activity.kind) === "loading";
    var shape = activity.id + ":" + activity.status + ":" + activity.allow_change + (kind ? "" : loading ? ":loading" : ":none") +
      ":" + JSON.stringify(mapOf(activity)); // a new translation draws the activity again
    if (stage.dataset.shape !== shape) {
      if (stage.dataset.activity !== String(activity.id)) announce(fmt(t("New question: %s"), [activity.title]));
      stage.dataset.activity = String(activity.id);
      stage.dataset.shape = shape;
      var parts = [el("h2", activity.original ? { text: activity.title, id: "question", lang: activity.language } : { text: activity.title, id: "question" })];
      if (activity.original) {
        parts.push(el("p", { className: "original-note", id: "original-note",
          text: fmt(t("Not yet translated; shown in the original (%s)."), [languageName(activity.language)]) }));
      }
      if (role === "participant") {
        parts.push(kind ? kind.build(api, activity) : el("p", { className: "muted" + (loading ? " loading" : ""),
          text: loading ? t("Loading…") : t("This activity cannot be answered on this page.") }));
      }
      // Not a live region: a redraw per tally would be read out without end (announceResults).
      parts.push(el("p", { className: "count", id: "count" }), el("div", { className: "results", id: "results" }));
      stage.replaceChildren.apply(stage, parts);
    }
    var data = state.tallies[activity.id] || {};
    var n = data.count || 0;
    $("count").textContent = kind && kind.countLabel ? kind.countLabel(api, n) : fmt(nt("%s response", "%s responses", n), [n]);
    renderResults($("results"), activity, data.tally);
    announceResults(activity, data);
    if (role === "participant" && kind && kind.update) kind.update(api, activity);
  }

  // New results reach a participant's screen reader as one short polite sentence, at
  // most every RESULTS_EVERY_MS however fast votes arrive; the latest count is said. The
  // results a question opens with are not said (its "New question" is), nor those of
  // kinds whose content is a list (a board, Q&A: their scripts say what changed), and
  // they wait QUIET_MS after anything else was said, so it is not cut short.
  var RESULTS_EVERY_MS = 10000, QUIET_MS = 3000;
  var resultsSaidAt = 0, resultsTimer = null, resultsSaid = "", resultsOf = null;
  function announceResults(activity, data) {
    if (role !== "participant" || !data.tally || activity.items !== undefined) return;
    var n = data.count || 0;
    var text = fmt(nt("Results updated: %s response.", "Results updated: %s responses.", n), [n]);
    if (resultsOf !== activity.id) {
      resultsOf = activity.id;
      resultsSaid = text;
      clearTimeout(resultsTimer);
      return;
    }
    if (text === resultsSaid) return;
    clearTimeout(resultsTimer);
    var say = function () {
      resultsSaid = text;
      resultsSaidAt = Date.now();
      if (announcer) announcer.textContent = text;
    };
    var wait = Math.max(resultsSaidAt + RESULTS_EVERY_MS, announcedAt + QUIET_MS) - Date.now();
    if (wait <= 0) say(); else resultsTimer = setTimeout(say, wait);
  }

  function renderConsole(only) {
    (state.room.activities || []).forEach(function (activity) {
      var id = activity.id;
      if (only !== undefined && only !== id) return;
      var data = state.tallies[id] || {};
      var countEl = document.querySelector('[data-count-for="' + id + '"]');
      if (countEl && data.count !== undefined) countEl.textContent = window.LiveLocale ? window.LiveLocale.number(data.count, 0) : String(data.count);
      var box = document.querySelector('[data-results-for="' + id + '"]');
      if (box) renderResults(box, activity, data.tally);
    });
  }

  function myBallot(activity) {
    var b = state.me && state.me.ballots[String(activity.id)];
    return b === undefined ? null : b;
  }

  /* ------------------------------------------------------------ shared by the kinds */

  // The answer form of a kind with one ballot per participant: a fieldset with the
  // hint as its legend and the kind's body (nodes), the send button and the
  // confirmation line (#confirmation, cleared on an error). collect() gives the ballot,
  // or null after saying with api.alert what is missing; it is sent as a "vote" and
  // resent with the same key until acknowledged. extraClass: more classes of the form.
  var voteKeys = {}; // activity id -> key of the last ballot sent from this page

  function voteForm(activity, hint, body, collect, extraClass) {
    var form = el("form", { className: "vote" + (extraClass ? " " + extraClass : ""), "aria-labelledby": "question" });
    form.dataset.activity = String(activity.id);
    form.appendChild(el("fieldset", {}, [el("legend", { text: hint })].concat(body)));
    form.appendChild(el("button", { type: "submit", className: "send", text: t("Send my answer") }));
    form.appendChild(el("p", { className: "confirmation", id: "confirmation", role: "status" }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = collect();
      if (data === null || data === undefined) return;
      voteKeys[activity.id] = api.act(activity, "vote", data); // sent on reconnecting if the socket is down
      form.querySelector(".confirmation").textContent = t("Sending…");
    });
    return form;
  }

  // Bring a voteForm up to date with the room: its controls are disabled while the
  // activity is closed (or voted and not changeable), and the confirmation line says
  // where the ballot stands. The controls are touched only when that lock changes (a
  // redraw on every tally would undo per-control states and lose focus); on unlocking,
  // redraw(form) lets the kind set its own states again. Returns the form, or null.
  function refreshVoteForm(activity, redraw) {
    var form = stage && stage.querySelector('form.vote[data-activity="' + activity.id + '"]');
    if (!form) return null;
    var box = form.querySelector(".confirmation");
    var voted = myBallot(activity) !== null;
    var closed = activity.status !== "open" || (state.room && state.room.status === "closed");
    var locked = closed || (voted && !activity.allow_change);
    if (form.dataset.locked !== String(locked)) {
      form.dataset.locked = String(locked);
      form.querySelectorAll("input, button").forEach(function (n) { n.disabled = locked; });
      if (!locked && redraw) redraw(form);
    }
    if (closed) box.textContent = t("This question is closed.");
    else if (voteKeys[activity.id] && stage.dataset.ack === voteKeys[activity.id]) box.textContent = t("Vote recorded. Thank you!");
    else if (voted && !activity.allow_change) box.textContent = t("You have voted.");
    else if (voted && box.textContent !== t("Sending…")) box.textContent = t("You have voted. You can change your answer while the question is open.");
    return form;
  }

  // A bar showing a share (0-100) of the largest figure, hidden from screen readers.
  function bar(share) {
    var node = el("span", { className: "bar", "aria-hidden": "true" });
    node.style.width = Math.max(0, Math.min(100, share)) + "%";
    return node;
  }

  // A results table (class "tally" and extraClass): caption, column heads and rows.
  // A row's first cell is its header; a cell is a string or number (its text), a node
  // or a list of nodes and strings (its content), or a ready td element.
  function resultsTable(caption, head, rows, extraClass) {
    function content(c) {
      return Array.isArray(c) ? c : c && c.nodeType ? [c] : null;
    }
    var body = el("tbody");
    rows.forEach(function (row) {
      body.appendChild(el("tr", {}, row.map(function (c, i) {
        if (i === 0) return el("th", { scope: "row" }, content(c) || [String(c)]);
        if (c && c.nodeType && c.tagName === "TD") return c;
        return content(c) ? el("td", {}, content(c)) : el("td", { text: typeof c === "number" && window.LiveLocale ? window.LiveLocale.number(c) : String(c) });
      })));
    });
    return el("table", { className: "tally" + (extraClass ? " " + extraClass : "") }, [
      el("caption", { text: caption }),
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      body
    ]);
  }

  /* ------------------------------------------------------------ results */

  function renderResults(box, activity, tally) {
    // Redraw only what changed: the region is aria-live, every redraw is announced.
    var plugin = kindOf(activity);
    var loading = !plugin && kindState(activity.kind) === "loading";
    var sig = JSON.stringify(tally || null) + (activity.status || "") + ":" + (activity.version || 0) +
      (activity.items !== undefined ? ":" + roomCount : "") + (plugin ? "" : loading ? ":loading" : ":none");
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    if (plugin) {
      plugin.results(api, box, activity, tally);
      return;
    }
    if (loading) {
      // The participant's form already says so; the other roles say it here.
      box.replaceChildren(role === "participant" ? "" : el("p", { className: "muted loading", text: t("Loading…") }));
      return;
    }
    // A kind without a script: nothing to draw but the participants' wait.
    var wait = role === "participant" && !tally ? t("Results will be shown when the facilitator allows it.") : "";
    box.replaceChildren(wait ? el("p", { className: "muted", text: wait }) : "");
  }

  // The projector never scrolls (screen.css gives the results the room that is left):
  // what would cross the box's edge is left out, so nothing is drawn half cut. First a
  // table's last columns (per-group figures) while it is wider than the box, then the
  // last items of long lists (list items, table rows; the innermost first, so a column
  // of notes keeps its heading), then blocks that start below the box (a table under a
  // figure). The box's data-fit says for which viewport it was last fitted (data-fitting
  // while a fit is due), data-cut how many items were left out.
  function fitResults(box) {
    box.querySelectorAll("[data-cut]").forEach(function (n) { n.removeAttribute("hidden"); n.removeAttribute("data-cut"); });
    var edge = box.getBoundingClientRect();
    var cut = 0;
    function hide(n) { n.setAttribute("hidden", ""); n.setAttribute("data-cut", ""); } // SVG nodes too
    function drawn(r) { return r.width > 0 || r.height > 0; }
    function outside(n) {
      var r = n.getBoundingClientRect();
      return drawn(r) && (r.bottom > edge.bottom + 1 || r.right > edge.right + 1);
    }
    box.querySelectorAll("table").forEach(function (table) {
      var rows = table.rows;
      var col = rows.length ? rows[0].cells.length - 1 : 0;
      for (; col >= 2 && table.getBoundingClientRect().right > edge.right + 1; col--) {
        for (var r = 0; r < rows.length; r++) if (rows[r].cells[col]) hide(rows[r].cells[col]);
      }
    });
    // Every item over the edge at once (those before it do not move), again while any is.
    for (var pass = 0; pass < 50; pass++) {
      var over = Array.prototype.filter.call(box.querySelectorAll("li:not([hidden]), tbody tr:not([hidden])"), function (n) {
        return !n.querySelector("li:not([hidden]), tr:not([hidden])") && outside(n);
      });
      if (!over.length) break;
      over.forEach(hide);
      cut += over.length;
    }
    (function trim(parent) {
      Array.prototype.forEach.call(parent.children, function (n) {
        if (n.hasAttribute("hidden")) return;
        var r = n.getBoundingClientRect();
        if (!drawn(r) || r.bottom <= edge.bottom + 1) return;
        if (r.top >= edge.bottom - 1) hide(n);
        else if (n.namespaceURI !== "http://www.w3.org/2000/svg") trim(n);
      });
    })(box);
    box.dataset.cut = String(cut);
    box.dataset.fit = window.innerWidth + "x" + window.innerHeight;
    box.removeAttribute("data-fitting");
  }

  // Fitted again in the next frame after the results change (kinds may draw later than
  // render, e.g. at most every 200 ms) or the window's size does.
  var fitDue = false;
  function queueFit() {
    var box = $("results");
    if (!box) return;
    box.setAttribute("data-fitting", "");
    if (fitDue) return;
    fitDue = true;
    window.requestAnimationFrame(function () {
      fitDue = false;
      var now = $("results");
      if (now) fitResults(now);
    });
  }
  if (role === "screen" && window.MutationObserver) {
    new MutationObserver(queueFit).observe(stage, { childList: true, subtree: true, characterData: true });
    window.addEventListener("resize", queueFit);
  }

  setStatus(t("Connecting…"), false);
  connect();
})();
