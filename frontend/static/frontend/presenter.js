/* The presenter view (docs/facilitation.md): every button is a form posting a facilitator
 * command to the console (so the page works without JavaScript); this script sends the
 * same commands over the live connection (LiveRoom.control, from room.js), adds the
 * keyboard shortcuts, and redraws the page in place from every "live:room" event.
 * It names no activity kind: kinds draw their results through room.js. */
(function () {
  "use strict";

  var live = window.LiveRoom;
  var page = document.querySelector(".presenter-page");
  if (!live || !page) return;
  var t = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s, a) { var i = 0; return s.replace(/%s/g, function () { return a[i++]; }); };
  var nt = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var $ = function (id) { return document.getElementById(id); };

  // Shortcut -> the data-key of the command it presses (a key is compared in lower case).
  var KEYS = {
    arrowright: "next", pagedown: "next", " ": "next", n: "next",
    arrowleft: "previous", pageup: "previous", p: "previous",
    o: "toggle", r: "reveal", l: "lock", j: "join", f: "full", t: "timer"
  };
  var ARIA_KEYS = {
    next: "ArrowRight PageDown Space N", previous: "ArrowLeft PageUp P", toggle: "O",
    reveal: "R", lock: "L", join: "J", full: "F", timer: "T"
  };
  var JOIN_CYCLE = { shown: "small", small: "hidden", hidden: "shown" };
  var STATUS = { draft: t("Not yet open"), open: t("Open"), closed: t("Closed") };
  var beforeFull = "shown"; // the join panel's mode before "f" made the code full screen
  // The page's own words for a session not yet open (they name the join address).
  var draftHint = page.querySelector("#start[data-status=closed]") ? t("Open the session to begin.") : $("start-hint").textContent;

  var kindLabels = {};
  Array.prototype.forEach.call(document.querySelectorAll("#kind-labels [data-kind]"), function (li) {
    kindLabels[li.dataset.kind] = li.textContent;
  });

  function joinLabel(mode) {
    return { shown: t("shown"), small: t("small"), hidden: t("hidden"), full: t("code full screen") }[mode] || mode;
  }

  function announce(text) {
    var node = $("announce");
    if (!node) return;
    // The same words twice in a row are announced again only if the region changes.
    node.textContent = node.textContent === text ? text + "\u00a0" : text;
  }

  /* ------------------------------------------------------------ the room */

  function room() { return live.room(); }

  function agenda() {
    var r = room();
    return (r ? r.activities.slice() : []).sort(function (a, b) { return a.position - b.position || a.id - b.id; });
  }

  function where() {
    var list = agenda(), r = room();
    var index = -1;
    list.forEach(function (a, i) { if (r && a.id === r.current_activity) index = i; });
    return {
      list: list,
      index: index,
      current: index >= 0 ? list[index] : null,
      previous: index > 0 ? list[index - 1] : null,
      next: index >= 0 ? list[index + 1] || null : list[0] || null
    };
  }

  /* ------------------------------------------------------------ forms */

  function commandForm(key) {
    return page.querySelector('[data-key="' + key + '"] form');
  }

  function field(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    return input ? input.value : "";
  }

  // Set (or with null, remove) one hidden field of a command form.
  function setField(form, name, value) {
    var input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (value === null || value === undefined) { if (input) input.remove(); return; }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.insertBefore(input, form.querySelector("button"));
    }
    input.value = String(value);
  }

  var refocus = null; // where focus goes when the focused control disappears in a redraw

  function setButton(form, label, disabled) {
    var button = form.querySelector("button");
    if (button.textContent !== label) button.textContent = label;
    if (disabled && document.activeElement === button) refocus = refocus || button;
    button.disabled = !!disabled;
  }

  function setCommand(key, action, activity, value, label, disabled) {
    var form = commandForm(key);
    if (!form) return;
    setField(form, "action", action);
    setField(form, "activity", activity === null ? null : activity);
    setField(form, "value", value === undefined ? null : value);
    setButton(form, label, disabled);
  }

  function show(node, shown) {
    if (!node || node.hidden === !shown) return;
    if (!shown && node.contains(document.activeElement)) refocus = refocus || node;
    node.hidden = !shown;
  }

  /* ------------------------------------------------------------ drawing */

  function sync() {
    var r = room();
    if (!r) return;
    var at = where();
    var current = at.current;
    var open = r.status === "open";

    show($("start"), !open);
    show($("current"), open);
    show($("controls"), open);
    var closed = r.status === "closed";
    text($("start-heading"), closed ? t("This session has ended.") : t("This session is not open yet."));
    text($("start-hint"), closed ? t("Participants see that it has ended. Its results and exports stay in the console.")
      : draftHint);
    setButton(commandForm("open-session"), closed ? t("Open the session again") : t("Open session"), false);
    text($("session-state"), r.locked ? t("Locked against new joiners") : t("New participants can join"));

    drawCurrent(current, at);
    drawAgenda(at);

    setCommand("previous", "show_activity", at.previous ? at.previous.id : null, undefined, t("Previous"), !at.previous);
    setCommand("next", "show_activity", at.next ? at.next.id : null, undefined, t("Next"), !at.next);
    var isOpen = current && current.status === "open";
    setCommand("toggle", isOpen ? "close_activity" : "open_activity", current ? current.id : null, undefined,
      isOpen ? t("Close activity") : t("Open activity"), !current);
    var revealed = current && current.results_revealed;
    setCommand("reveal", "reveal", current ? current.id : null, revealed ? "false" : "true",
      revealed ? t("Hide results") : t("Reveal results"), !current);
    setCommand("lock", "lock", null, r.locked ? "false" : "true", r.locked ? t("Unlock") : t("Lock"), false);

    var mode = r.join_panel || "shown";
    if (mode !== "full") beforeFull = mode;
    setCommand("join", "join_panel", null, JOIN_CYCLE[beforeFull] || "shown",
      fmt(t("Join panel: %s"), [joinLabel(mode)]), false);
    setCommand("full", "join_panel", null, mode === "full" ? beforeFull : "full",
      mode === "full" ? t("Leave full screen code") : t("Join code full screen"), false);

    var timerForm = commandForm("timer");
    if (timerForm) {
      setButton(timerForm, r.timer ? t("Stop timer") : t("Start timer"), false);
      timerForm.dataset.running = r.timer ? "1" : "";
    }

    if (refocus) {
      var target = refocus;
      refocus = null;
      placeFocus(target);
    }
  }

  function text(node, value) {
    if (node && node.textContent !== value) node.textContent = value;
  }

  // The focused control was disabled or hidden: put focus somewhere useful nearby.
  function placeFocus(lost) {
    var candidates = [];
    if (lost.closest && lost.closest('[data-key="next"]')) candidates.push(button("previous"));
    if (lost.closest && lost.closest('[data-key="previous"]')) candidates.push(button("next"));
    if (!$("current").hidden) candidates.push($("current-title"));
    candidates.push(button("next"), $("start-heading"), $("main"));
    for (var i = 0; i < candidates.length; i++) {
      var c = candidates[i];
      if (c && !c.disabled && !c.closest("[hidden]")) { c.focus(); return; }
    }
  }

  function button(key) {
    var form = commandForm(key);
    return form ? form.querySelector("button") : null;
  }

  function drawCurrent(current, at) {
    var box = $("current");
    var shownId = box.dataset.activity || "";
    var id = current ? String(current.id) : "";
    text($("current-step"), current ? fmt(t("%s of %s"), [at.index + 1, at.list.length]) : "");
    text($("current-kind"), current ? kindLabels[current.kind] || current.kind : "");
    var status = $("current-status");
    text(status, current ? STATUS[current.status] || current.status : "");
    status.dataset.status = current ? current.status : "";
    text($("current-revealed"), !current ? "" : current.results_revealed ? t("Results on the projector") : t("Results not on the projector"));
    text($("current-title"), current ? current.title : t("No activity on the screens yet. Press Next to start with the first."));
    $("current-count-line").hidden = !current;
    if (shownId === id && box.dataset.drawn) return;
    box.dataset.activity = id;
    box.dataset.drawn = "1";
    // A fresh results box for another activity: room.js draws into it (its kind's script).
    var count = $("current-count");
    var results = $("current-results");
    if (results.contains(document.activeElement)) refocus = refocus || results;
    var fresh = document.createElement("div");
    fresh.id = "current-results";
    fresh.className = "results";
    fresh.setAttribute("aria-live", "polite");
    if (current) {
      count.setAttribute("data-count-for", id);
      fresh.setAttribute("data-results-for", id);
      var tally = live.tally(current.id);
      count.textContent = String(tally.count || 0);
    } else {
      count.removeAttribute("data-count-for");
    }
    results.replaceWith(fresh);
    live.redraw();
  }

  function drawAgenda(at) {
    var list = $("agenda-list");
    if (!list) return;
    var items = at.list.map(function (a, i) {
      var li = live.api.el("li", { "data-activity": String(a.id) }, [
        live.api.el("span", { className: "present-agenda-title", text: a.title }),
        " ",
        live.api.el("span", { className: "muted", text: (kindLabels[a.kind] || a.kind) + " · " + (STATUS[a.status] || a.status) })
      ]);
      if (i === at.index) { li.className = "current"; li.setAttribute("aria-current", "step"); }
      return li;
    });
    var sig = JSON.stringify(at.list.map(function (a) { return [a.id, a.title, a.status]; })) + at.index;
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.replaceChildren.apply(list, items);
    var empty = $("agenda-empty");
    if (empty) empty.hidden = at.list.length > 0;
  }

  /* ------------------------------------------------------------ sending commands */

  // What a command did, said in #announce once the server acknowledged it: where the
  // presenter knows more than the server's words (the ack's message), it says that.
  function effect(action, activity, value, result) {
    var a = agenda().filter(function (x) { return x.id === activity; })[0];
    var title = a ? a.title : "";
    switch (action) {
      case "show_activity": return fmt(t("Now on every screen: %s"), [title]);
      case "open_activity": return fmt(t("Opened: %s. Participants can answer now."), [title]);
      case "close_activity": return fmt(t("Closed: %s. No more answers."), [title]);
      case "join_panel": return value === "full" ? t("The join code is full screen on the projector.") : fmt(t("Join panel on the projector: %s."), [joinLabel(value)]);
      case "timer": return value ? fmt(nt("Timer started: %s minute.", "Timer started: %s minutes.", value / 60), [value / 60]) : t("Timer stopped.");
    }
    return result.message || t("Done.");
  }

  var INVALID = {};

  // The command's value as the WebSocket message carries it (docs/protocol.md): the
  // forms hold text ("true"/"false" for flags, numbers for seconds).
  function valueOf(form, action) {
    if (action === "timer") {
      if (form.dataset.running) return 0;
      var minutes = $("timer-minutes");
      var n = Number(minutes.value);
      if (!minutes.value || Math.floor(n) !== n || n < 1 || n > 99) {
        live.api.alert(t("Set the timer in whole minutes, from 1 to 99."));
        minutes.focus();
        return INVALID;
      }
      return n * 60;
    }
    return live.formCommand(form).value;
  }

  // Send a command form's command over the live connection. Returns false when there is
  // no connection (the form is then posted as it is).
  function send(form, confirmed) {
    var action = field(form, "action");
    if (action === "close_session" && !confirmed) {
      openDialog($("confirm-close"));
      return true;
    }
    var raw = field(form, "activity");
    var activity = raw ? parseInt(raw, 10) : null;
    var value = valueOf(form, action);
    if (value === INVALID) return true;
    return live.control(action, activity, value, function (error, result) {
      if (error) return; // room.js shows the server's message in #live-alert
      live.api.alert("");
      announce(effect(action, activity, value, result));
      if (action === "show_panel") {
        setField(form, "value", value.shown ? "false" : "true");
        setButton(form, value.shown ? t("Take off the projector") : t("Show on the projector"), false);
      }
    });
  }

  // Without a connection a form is posted and the console carries the command out; the
  // timer's minutes then go as the seconds the console reads. False: nothing to post.
  function readyToPost(form) {
    if (field(form, "action") !== "timer") return true;
    var value = valueOf(form, "timer");
    if (value === INVALID) return false;
    setField(form, "value", value);
    return true;
  }

  function post(form) {
    if (readyToPost(form)) form.submit();
  }

  Array.prototype.forEach.call(page.querySelectorAll("form.command"), function (form) {
    form.addEventListener("submit", function (e) {
      if (live.connected()) {
        e.preventDefault();
        send(form, false);
      } else if (!readyToPost(form)) {
        e.preventDefault();
      }
    });
  });

  /* ------------------------------------------------------------ dialogs */

  var openers = {};

  function openDialog(dialog) {
    if (!dialog || dialog.open) return;
    openers[dialog.id] = document.activeElement;
    dialog.showModal();
  }

  // Focus goes back where it was when a dialog closes (Escape, its buttons).
  ["help", "confirm-close"].forEach(function (id) {
    var dialog = $(id);
    if (!dialog) return;
    dialog.addEventListener("close", function () {
      var back = openers[id];
      openers[id] = null;
      if (back && back.focus && document.contains(back) && !back.disabled && !back.closest("[hidden]")) back.focus();
      else placeFocus(document.body);
    });
  });

  $("confirm-close-cancel").addEventListener("click", function () { $("confirm-close").close(); });
  $("confirm-close-yes").addEventListener("click", function () {
    $("confirm-close").close();
    var form = commandForm("close-session");
    if (!send(form, true)) post(form);
  });

  var help = $("help-button");
  help.hidden = false;
  help.nextElementSibling.hidden = false;
  help.addEventListener("click", function () { openDialog($("help")); });

  /* ------------------------------------------------------------ shortcuts */

  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]");
  }

  // Why a shortcut did nothing: its button is disabled.
  function unavailable(name) {
    if (name === "next") return t("This is the last activity.");
    if (name === "previous") return t("This is the first activity.");
    return t("No activity on the screens yet.");
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing || e.defaultPrevented) return;
    if (e.repeat) return; // a held key is one press, not a run through the agenda
    if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard
    var target = e.target;
    if (typing(target)) return;
    var key = e.key.toLowerCase();
    // Space and Enter press a focused button or link: they stay theirs.
    if ((key === " " || key === "enter") && target.closest && target.closest("button, a, summary")) return;
    if (key === "?") { e.preventDefault(); openDialog($("help")); return; }
    var name = KEYS[key];
    if (!name) return;
    var b = button(name);
    e.preventDefault(); // the page does not scroll on Space or Page keys
    if (!b) return;
    if (b.closest("[hidden]")) { announce(t("Open the session first.")); return; }
    if (b.disabled) { announce(unavailable(name)); return; }
    var form = commandForm(name);
    if (!send(form, false)) post(form);
  });

  /* ------------------------------------------------------------ start */

  // Without this script the timer offers fixed lengths in seconds; with it, minutes.
  var choice = $("timer-minutes");
  if (choice && choice.tagName === "SELECT") {
    var minutes = document.createElement("input");
    minutes.type = "number";
    minutes.id = "timer-minutes";
    minutes.min = "1";
    minutes.max = "99";
    minutes.step = "1";
    minutes.inputMode = "numeric";
    minutes.value = String(Math.round(Number(choice.value) / 60) || 2);
    choice.replaceWith(minutes);
    var stale = commandForm("timer").querySelector('input[type=hidden][name="value"]');
    if (stale) stale.remove();
  }
  Object.keys(ARIA_KEYS).forEach(function (key) {
    var b = button(key);
    if (b) b.setAttribute("aria-keyshortcuts", ARIA_KEYS[key]);
  });

  live.root.addEventListener("live:room", sync);
  sync();
})();
