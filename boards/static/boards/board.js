/* Idea boards in the live room (boards/kinds.py): participants post notes into columns
 * and upvote; the console moderates, clusters (drag and drop, or the "Move to cluster"
 * select), runs the upvote round and promotes; the projector shows the board.
 * Registers in window.LiveKinds; room.js passes its api. DOM with textContent only. */
(function () {
  "use strict";

  var ui = {}; // activity id -> what this page is doing (editing a note, dragging ...)
  var stamps = new WeakMap(), stampCount = 0; // items object -> version, for redraws

  function uiFor(activity) {
    if (!ui[activity.id]) ui[activity.id] = {};
    return ui[activity.id];
  }
  function items(activity) {
    if (!activity.items) activity.items = { notes: [], clusters: [] };
    return activity.items;
  }
  function stamp(activity) {
    var it = items(activity);
    if (!stamps.has(it)) stamps.set(it, ++stampCount);
    return stamps.get(it);
  }
  function boardState(activity) { return (activity.config && activity.config.state) || {}; }
  function chars(text) { return Array.from(text).length; } // code points, as the server counts
  function short(text) { var c = Array.from(text); return c.length > 60 ? c.slice(0, 59).join("") + "…" : text; }
  // Upvotes per note id, or null where this role does not get the tally (the projector
  // before "Show results on projector").
  function votesOf(api, activity) { var t = api.tally(activity); return t ? t.votes || {} : null; }
  function byId(list, id) { return list.filter(function (x) { return x.id === id; })[0] || null; }
  function mine(api, activity) { return api.mine(activity) || { notes: [], votes: [], remaining: null }; }
  function closed(api, activity) {
    var room = api.room();
    return activity.status !== "open" || (room && room.status === "closed");
  }

  // Redraw a region keeping what the user is doing: typed values and focus survive.
  function redraw(box, build) {
    var values = {}, focus = null, range = null, active = document.activeElement;
    // Only what the user changed is kept; the rest shows the new state.
    box.querySelectorAll("[data-keep]").forEach(function (n) { if (n.tagName !== "BUTTON" && n.value !== n.dataset.initial) values[n.dataset.keep] = n.value; });
    if (active && box.contains(active) && active.dataset.keep) {
      focus = active.dataset.keep;
      if (active.tagName === "TEXTAREA" || active.type === "text") range = [active.selectionStart, active.selectionEnd];
    }
    box.replaceChildren.apply(box, build());
    box.querySelectorAll("[data-keep]").forEach(function (n) {
      if (n.tagName === "BUTTON") return;
      n.dataset.initial = n.value;
      if (Object.prototype.hasOwnProperty.call(values, n.dataset.keep)) n.value = values[n.dataset.keep];
    });
    var again = focus && box.querySelector('[data-keep="' + CSS.escape(focus) + '"]');
    if (again) {
      again.focus();
      if (range) again.setSelectionRange(range[0], range[1]);
    }
  }

  // Big boards change often (a note a second in a plenary): redraw at most every 200 ms,
  // from the activity as the room holds it then.
  function later(api, activity, draw) {
    var st = uiFor(activity);
    st.next = draw;
    if (st.timer) return;
    st.timer = setTimeout(function () {
      st.timer = null;
      st.drawnAt = Date.now();
      var room = api.room() || { activities: [] };
      var current = room.activities.filter(function (a) { return a.id === activity.id; })[0];
      var next = st.next;
      st.next = null;
      if (current && next) next(current);
    }, Math.max(0, 200 - (Date.now() - (st.drawnAt || 0))));
  }

  function keep(node, key) { node.dataset.keep = key; return node; }
  function focusKey(box, key) {
    var node = box && box.querySelector('[data-keep="' + CSS.escape(key) + '"]');
    if (node) node.focus();
  }
  function root() { return document.querySelector(".board-participant"); }
  function button(api, text, key, onClick, extra) {
    var b = api.el("button", Object.assign({ type: "button", className: "small" }, extra || {}), [text]);
    keep(b, key);
    b.addEventListener("click", onClick);
    return b;
  }
  function field(api, id, label, control) {
    control.id = id;
    return api.el("span", { className: "board-field" }, [api.el("label", { for: id, text: label }), control]);
  }
  function options(api, list, selected) {
    var select = api.el("select");
    list.forEach(function (o) {
      var opt = api.el("option", { value: String(o[0]), text: o[1] });
      if (String(o[0]) === String(selected)) opt.selected = true;
      select.appendChild(opt);
    });
    return select;
  }

  /* ------------------------------------------------------------ the board */

  // The notes of a column, grouped by cluster, most upvoted first once there are votes.
  function groups(activity, notes, column, votes) {
    var list = notes.filter(function (n) { return n.column === column; });
    if (Object.keys(votes).length) {
      list.sort(function (a, b) { return (votes[b.id] || 0) - (votes[a.id] || 0) || a.id - b.id; });
    }
    var out = items(activity).clusters.map(function (c) {
      return { cluster: c, notes: list.filter(function (n) { return n.cluster === c.id; }) };
    }).filter(function (g) { return g.notes.length; });
    var loose = list.filter(function (n) { return n.cluster === null || !byId(items(activity).clusters, n.cluster); });
    if (loose.length) out.push({ cluster: null, notes: loose });
    return out;
  }

  function drawColumns(api, activity, notes, drawNote) {
    var votes = votesOf(api, activity), known = votes !== null;
    votes = votes || {};
    var columns = activity.config.columns || [];
    var board = api.el("div", { className: "board" });
    board.style.setProperty("--board-columns", String(columns.length));
    columns.forEach(function (name, index) {
      var headingId = "b" + activity.id + "-col" + index;
      var section = api.el("section", { className: "board-column", "aria-labelledby": headingId }, [api.el("h3", { id: headingId, text: name })]);
      var parts = groups(activity, notes, index, votes);
      if (!parts.length) section.appendChild(api.el("p", { className: "muted", text: api.t("No notes yet.") }));
      parts.forEach(function (g) {
        if (g.cluster) section.appendChild(api.el("h4", { className: "board-cluster", text: g.cluster.name }));
        else if (items(activity).clusters.length && parts.length > 1) section.appendChild(api.el("h4", { className: "board-cluster muted", text: api.t("Not clustered") }));
        var list = api.el("ul", { className: "board-notes" });
        g.notes.forEach(function (n) { list.appendChild(drawNote(n, known ? votes[n.id] || 0 : null)); });
        section.appendChild(list);
      });
      board.appendChild(section);
    });
    return board;
  }

  function noteBody(api, activity, note, votes) {
    var textId = "b" + activity.id + "-n" + note.id;
    var meta = [];
    if (note.author) meta.push(note.author);
    if (votes || (votes === 0 && boardState(activity).voting)) meta.push(api.fmt(api.nt("%s upvote", "%s upvotes", votes), [votes]));
    var attrs = { className: "board-text", id: textId, text: note.text };
    if (note.language) attrs.lang = note.language; // read in the language it was written in
    return [
      api.el("p", attrs),
      meta.length ? api.el("p", { className: "board-meta", text: meta.join(" · ") }) : null
    ];
  }

  function noteView(api, activity, note, votes) {
    return api.el("li", { className: "board-note" }, noteBody(api, activity, note, votes));
  }

  /* ------------------------------------------------------------ participants */

  function build(api, activity) {
    var id = "b" + activity.id;
    var cfg = activity.config;
    var st = uiFor(activity);
    var column = options(api, cfg.columns.map(function (c, i) { return [i, c]; }), 0);
    var text = api.el("textarea", { rows: "3", "aria-describedby": id + "-count" });
    var counter = api.el("p", { className: "board-counter", id: id + "-count" });
    var post = api.el("button", { type: "submit", text: api.t("Post") });
    var form = api.el("form", { className: "board-post", "aria-labelledby": "question" }, [
      field(api, id + "-column", api.t("Column"), column),
      field(api, id + "-text", api.t("Your note"), text),
      counter, post,
      api.el("p", { className: "board-locked", id: id + "-locked", hidden: "" })
    ]);
    function count() {
      var n = chars(text.value.trim());
      counter.textContent = api.fmt(api.t("%s of %s characters"), [n, cfg.max_length]);
      counter.classList.toggle("over", n > cfg.max_length);
      post.disabled = st.locked || n === 0 || n > cfg.max_length;
    }
    text.addEventListener("input", count);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (post.disabled) return;
      st.posting = api.act(activity, "post", { column: parseInt(column.value, 10), text: text.value });
      post.disabled = true;
    });
    st.form = { text: text, count: count, post: post };
    st.posting = null;
    st.sig = null;
    count();
    return api.el("div", { className: "board-participant" }, [
      form,
      api.el("section", { className: "board-mine", "aria-labelledby": id + "-mine" }, [
        api.el("h3", { id: id + "-mine", text: api.t("Your notes") }),
        api.el("ul", { className: "board-mine-list" })
      ]),
      api.el("p", { className: "board-votes", role: "status" }),
      api.el("div", { className: "board-wrap" })
    ]);
  }

  function announceChanges(api, activity, st) {
    var s = boardState(activity), was = st.seen;
    st.seen = { voting: !!s.voting, locked: !!s.locked, revealed: !!s.revealed };
    if (!was) return;
    if (st.seen.voting && !was.voting) api.announce(api.fmt(api.nt("Upvoting has started: %s upvote each.", "Upvoting has started: %s upvotes each.", s.budget), [s.budget]));
    else if (!st.seen.voting && was.voting) api.announce(api.t("Upvoting has ended."));
    else if (st.seen.locked !== was.locked) api.announce(st.seen.locked ? api.t("The board is locked.") : api.t("The board is open again."));
    else if (st.seen.revealed && !was.revealed) api.announce(api.t("Everyone's notes are now shown."));
  }

  function update(api, activity) {
    var st = uiFor(activity);
    var page = root();
    if (!page || !st.form) return;
    var s = boardState(activity);
    var me = mine(api, activity);
    st.locked = !!s.locked || closed(api, activity);
    announceChanges(api, activity, st);
    var stage = document.getElementById("stage");
    if (st.posting && stage && stage.dataset.ack === st.posting) {
      st.posting = null;
      st.form.text.value = "";
      api.announce(api.t("Note posted."));
      // "Post" was disabled under the focus while sending: back to the note field.
      if (!document.activeElement || document.activeElement === document.body) st.form.text.focus();
    }
    page.querySelectorAll(".board-post textarea, .board-post select").forEach(function (n) { n.disabled = st.locked; });
    var lockNote = page.querySelector(".board-locked");
    lockNote.hidden = !st.locked;
    lockNote.textContent = s.locked ? api.t("The board is locked: notes can no longer be posted or changed.") : api.t("This board is closed.");
    st.form.count();
    var sig = [stamp(activity), JSON.stringify(votesOf(api, activity) || {}), JSON.stringify(s), JSON.stringify(me), st.locked, st.editing].join("|");
    if (sig === st.sig) return;
    st.sig = sig;
    redraw(page.querySelector(".board-mine-list"), function () { return ownNotes(api, activity, me, st); });
    var status = page.querySelector(".board-votes");
    var text = s.voting ? api.fmt(api.nt("%s upvote left", "%s upvotes left", left(activity, me)), [left(activity, me)]) : "";
    if (status.textContent !== text) status.textContent = text;
    later(api, activity, function (current) {
      var wrap = root() && root().querySelector(".board-wrap");
      var now = mine(api, current);
      if (wrap) redraw(wrap, function () { return [participantBoard(api, current, now, left(current, now))]; });
    });
  }

  // Upvotes this participant has left (votes on notes no longer shown are given back).
  function left(activity, me) {
    var s = boardState(activity), visible = {};
    if (!s.voting) return null;
    items(activity).notes.forEach(function (n) { visible[n.id] = true; });
    return Math.max(0, s.budget - me.votes.filter(function (v) { return visible[v]; }).length);
  }

  function ownNotes(api, activity, me, st) {
    if (!me.notes.length) return [api.el("li", { className: "muted", text: api.t("You have not posted a note yet.") })];
    var columns = activity.config.columns;
    return me.notes.map(function (n) {
      var label = columns[n.column] || "";
      var li = api.el("li", { className: "board-own" }, [
        api.el("span", { className: "board-tag", text: label }), " ",
        api.el("span", { className: "board-text", id: "b" + activity.id + "-own" + n.id, text: n.text }),
        n.hidden ? api.el("span", { className: "board-flag", text: " " + api.t("(hidden by the facilitator)") }) : null
      ]);
      if (st.locked) return li;
      var described = { "aria-describedby": "b" + activity.id + "-own" + n.id };
      if (st.editing === n.id) {
        var area = keep(api.el("textarea", { rows: "3", "aria-label": api.t("Edit your note") }), "own-edit-" + n.id);
        area.value = n.text;
        li.appendChild(api.el("div", { className: "board-actions" }, [area,
          button(api, api.t("Save"), "own-save-" + n.id, function () {
            api.act(activity, "edit", { note: n.id, text: area.value });
            st.editing = null;
            st.sig = null;
            update(api, activity);
            focusKey(root(), "own-edit-btn-" + n.id);
            api.announce(api.t("Note saved."));
          }),
          button(api, api.t("Cancel"), "own-cancel-" + n.id, function () {
            st.editing = null;
            st.sig = null;
            update(api, activity);
            focusKey(root(), "own-edit-btn-" + n.id);
          })
        ]));
        return li;
      }
      li.appendChild(api.el("div", { className: "board-actions" }, [
        button(api, api.t("Edit"), "own-edit-btn-" + n.id, function () {
          st.editing = n.id;
          st.sig = null;
          update(api, activity);
          focusKey(root(), "own-edit-" + n.id);
        }, described),
        button(api, api.t("Delete"), "own-del-" + n.id, function () {
          api.act(activity, "delete", { note: n.id });
          api.announce(api.t("Note deleted."));
        }, described)
      ]));
      return li;
    });
  }

  function participantBoard(api, activity, me, left) {
    var s = boardState(activity);
    var list = items(activity).notes;
    if (activity.config.mode === "private" && !s.revealed) {
      return api.el("p", { className: "muted", text: api.t("Everyone's notes will be shown when the facilitator reveals them.") });
    }
    var voted = {};
    me.votes.forEach(function (v) { voted[v] = true; });
    return drawColumns(api, activity, list, function (note, votes) {
      var li = noteView(api, activity, note, votes);
      if (s.voting && activity.status === "open") {
        var on = !!voted[note.id];
        var b = button(api, on ? api.t("Upvoted") : api.t("Upvote"), "vote-" + note.id, function () {
          api.act(activity, on ? "unvote" : "upvote", { note: note.id });
        }, { "aria-pressed": String(on), "aria-describedby": "b" + activity.id + "-n" + note.id });
        if (!on && left === 0) b.disabled = true;
        li.appendChild(b);
      }
      return li;
    });
  }

  /* ------------------------------------------------------------ results: console, projector */

  function results(api, box, activity, tally) {
    box.setAttribute("aria-live", "off"); // changes are announced one by one instead
    if (api.role === "facilitator") { later(api, activity, function (current) { drawConsole(api, box, current); }); return; }
    if (api.role !== "screen") { box.replaceChildren(); return; }
    later(api, activity, function (current) { drawScreen(api, box, current); });
  }

  function drawScreen(api, box, activity) {
    var s = boardState(activity);
    if (activity.config.mode === "private" && !s.revealed) {
      box.replaceChildren(api.el("p", { className: "waiting", text: api.t("Notes are collected privately and will be shown here when revealed.") }));
      return;
    }
    box.replaceChildren(drawColumns(api, activity, items(activity).notes, function (note, votes) {
      return noteView(api, activity, note, votes);
    }));
  }

  function drawConsole(api, box, activity) {
    var st = uiFor(activity);
    if (st.dragging) { st.dirty = true; return; } // redrawn when the drag ends
    redraw(box, function () { return [consoleControls(api, activity, st), consoleClusters(api, activity, st), consoleNotes(api, activity, st)]; });
    var wanted = (st.focus || []).filter(function (k) { return box.querySelector('[data-keep="' + CSS.escape(k) + '"]'); });
    st.focus = null;
    if (wanted.length) focusKey(box, wanted[0]);
  }

  function moderate(api, activity, action, data, note) { api.moderate(activity, action, data, note); }

  // Draw the console again after opening or closing a form, then focus ``focus`` (the
  // first of these data-keep keys found).
  function reopen(api, activity, focus) {
    uiFor(activity).focus = focus;
    later(api, activity, function (current) {
      drawConsole(api, document.querySelector('[data-results-for="' + activity.id + '"]'), current);
    });
  }

  function consoleControls(api, activity, st) {
    var s = boardState(activity), id = "b" + activity.id;
    var parts = [];
    var mode = activity.config.mode === "private"
      ? (s.revealed ? api.t("Private board, notes revealed.") : api.t("Private board: participants see only their own notes."))
      : api.t("Open board: everyone sees the notes as they arrive.");
    parts.push(api.el("p", { className: "board-mode", text: mode + (s.locked ? " " + api.t("Locked.") : "") }));
    var row = api.el("div", { className: "board-actions" });
    row.appendChild(button(api, s.locked ? api.t("Unlock board") : api.t("Lock board"), "lock", function () {
      moderate(api, activity, s.locked ? "unlock" : "lock", null, s.locked ? api.t("Board unlocked.") : api.t("Board locked."));
    }));
    if (activity.config.mode === "private") {
      row.appendChild(button(api, s.revealed ? api.t("Hide notes again") : api.t("Reveal all notes"), "reveal", function () {
        moderate(api, activity, "reveal", !s.revealed, s.revealed ? api.t("Notes hidden again.") : api.t("Notes revealed to everyone."));
      }));
    }
    var budget = keep(api.el("input", { type: "number", min: "1", max: "20", value: String(s.budget || 3), className: "board-budget" }), "budget");
    if (s.voting) {
      row.appendChild(button(api, api.t("Stop upvoting"), "voting", function () { moderate(api, activity, "stop_voting", null, api.t("Upvoting stopped.")); }));
    } else {
      row.appendChild(field(api, id + "-budget", api.t("Upvotes per participant"), budget));
      row.appendChild(button(api, api.t("Start upvoting"), "voting", function () {
        moderate(api, activity, "start_voting", { budget: parseInt(budget.value, 10) }, api.t("Upvoting started."));
      }));
    }
    parts.push(row);
    return api.el("div", { className: "board-console-controls" }, parts);
  }

  function dropZone(api, activity, st, cluster, children) {
    var zone = api.el("li", { className: "board-drop" }, children);
    zone.addEventListener("dragover", function (e) { if (st.dragging) { e.preventDefault(); zone.classList.add("over"); } });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      var note = parseInt(e.dataTransfer.getData("text/plain"), 10);
      if (!note) return;
      moderate(api, activity, "assign", { note: note, cluster: cluster ? cluster.id : null },
        cluster ? api.fmt(api.t("Note moved to “%s”."), [cluster.name]) : api.t("Note taken out of its cluster."));
    });
    return zone;
  }

  function consoleClusters(api, activity, st) {
    var id = "b" + activity.id, list = items(activity);
    var name = keep(api.el("input", { type: "text", maxlength: "80" }), "new-cluster");
    var create = api.el("div", { className: "board-actions" }, [
      field(api, id + "-new-cluster", api.t("New cluster"), name),
      button(api, api.t("Create cluster"), "create-cluster", function () {
        if (!name.value.trim()) return;
        moderate(api, activity, "create_cluster", { name: name.value }, api.t("Cluster created."));
        name.value = "";
      })
    ]);
    var zones = api.el("ul", { className: "board-clusters", "aria-label": api.t("Clusters: drop a note here") });
    list.clusters.forEach(function (c) {
      var count = list.notes.filter(function (n) { return n.cluster === c.id; }).length;
      var head = [api.el("strong", { text: c.name }), " " + api.fmt(api.nt("(%s note)", "(%s notes)", count), [count])];
      var tools = api.el("div", { className: "board-actions" });
      if (st.renaming === c.id) {
        var input = keep(api.el("input", { type: "text", maxlength: "80", "aria-label": api.t("Cluster name") }), "rename-" + c.id);
        input.value = c.name;
        tools.append(input, button(api, api.t("Save"), "rename-save-" + c.id, function () {
          st.renaming = null;
          st.focus = ["rename-btn-" + c.id];
          moderate(api, activity, "rename_cluster", { cluster: c.id, name: input.value }, api.t("Cluster renamed."));
        }));
      } else {
        tools.append(
          button(api, api.t("Rename"), "rename-btn-" + c.id, function () { st.renaming = c.id; reopen(api, activity, ["rename-" + c.id]); }, { "aria-label": api.fmt(api.t("Rename “%s”"), [c.name]) }),
          button(api, api.t("Delete"), "delete-cluster-" + c.id, function () {
            moderate(api, activity, "delete_cluster", { cluster: c.id }, api.t("Cluster deleted; its notes stay on the board."));
          }, { "aria-label": api.fmt(api.t("Delete cluster “%s”"), [c.name]) }),
          button(api, api.t("Promote…"), "promote-cluster-" + c.id, function () { st.promoting = { cluster: c.id }; reopen(api, activity, ["pt-c" + c.id, "promote-cancel-c" + c.id]); }, { "aria-label": api.fmt(api.t("Promote “%s” to a statement"), [c.name]) })
        );
      }
      var children = [api.el("p", {}, head), tools];
      if (st.promoting && st.promoting.cluster === c.id) children.push(promoteForm(api, activity, st, { cluster: c.id }));
      zones.appendChild(dropZone(api, activity, st, c, children));
    });
    zones.appendChild(dropZone(api, activity, st, null, [api.el("p", { className: "muted", text: api.t("No cluster") })]));
    return api.el("section", { className: "board-cluster-panel", "aria-label": api.t("Clusters") }, [create, zones]);
  }

  function promoteForm(api, activity, st, what) {
    var key = what.note ? "n" + what.note : "c" + what.cluster, id = "b" + activity.id + "-p" + key;
    var room = api.room() || { activities: [] };
    var targets = room.activities.filter(function (a) { return a.id !== activity.id && a.kind !== activity.kind && a.status === "draft"; });
    var cancel = button(api, api.t("Cancel"), "promote-cancel-" + key, function () {
      st.promoting = null;
      reopen(api, activity, [what.note ? "promote-" + what.note : "promote-cluster-" + what.cluster]);
    });
    if (!targets.length) return api.el("div", { className: "board-actions" }, [api.el("span", { className: "muted", text: api.t("Add a vision-voting activity (not yet opened) to promote to.") }), cancel]);
    var target = keep(options(api, targets.map(function (a) { return [a.id, a.title]; })), "pt-" + key);
    var type = keep(options(api, [["vision", api.t("Vision statement")], ["milestone", api.t("Milestone")], ["action", api.t("Action")]]), "ptype-" + key);
    var horizon = keep(options(api, [[2030, "2030"], [2040, "2040"], [2050, "2050"]]), "ph-" + key);
    var actor = keep(options(api, [["policy", api.t("Policy makers")], ["industry", api.t("Industry")], ["civil_society", api.t("Civil society")]]), "pa-" + key);
    return api.el("div", { className: "board-actions board-promote" }, [
      field(api, id + "-t", api.t("Add to"), target),
      field(api, id + "-y", api.t("As"), type),
      field(api, id + "-h", api.t("Horizon (milestones)"), horizon),
      field(api, id + "-a", api.t("Actor (actions)"), actor),
      button(api, api.t("Promote"), "promote-go-" + key, function () {
        st.promoting = null;
        st.focus = [what.note ? "promote-" + what.note : "promote-cluster-" + what.cluster];
        var data = { target: parseInt(target.value, 10), type: type.value, horizon: parseInt(horizon.value, 10), actor: actor.value };
        data[what.note ? "note" : "cluster"] = what.note || what.cluster;
        moderate(api, activity, "promote", data, api.t("Added as a statement."));
      }),
      cancel
    ]);
  }

  function consoleNotes(api, activity, st) {
    var list = items(activity);
    return drawColumns(api, activity, list.notes, function (note, votes) {
      var textId = "b" + activity.id + "-n" + note.id, d = { "aria-describedby": textId };
      var li = api.el("li", { className: "board-note" + (note.hidden || note.merged_into ? " board-hidden" : ""), draggable: "true" }, noteBody(api, activity, note, votes));
      var flags = [];
      if (note.hidden) flags.push(api.t("Hidden"));
      if (note.merged_into) {
        var into = byId(list.notes, note.merged_into);
        flags.push(api.fmt(api.t("Merged into “%s”"), [into ? short(into.text) : "#" + note.merged_into]));
      }
      if (flags.length) li.appendChild(api.el("p", { className: "board-flag", text: flags.join(" · ") }));
      // From the press on, no redraw may replace the note, or the drag never starts.
      li.addEventListener("pointerdown", function (e) {
        if (e.target.closest("button, select, input, textarea")) return;
        st.dragging = st.dragging || "press";
        window.addEventListener("pointerup", function () {
          if (st.dragging !== "press") return;
          st.dragging = null;
          if (st.dirty) { st.dirty = false; reopen(api, activity); }
        }, { once: true });
      });
      li.addEventListener("dragstart", function (e) {
        st.dragging = note.id;
        e.dataTransfer.setData("text/plain", String(note.id));
        e.dataTransfer.effectAllowed = "move";
      });
      li.addEventListener("dragend", function () {
        st.dragging = null;
        if (st.dirty) { st.dirty = false; reopen(api, activity); }
      });
      var tools = api.el("div", { className: "board-actions" });
      var out = note.hidden || !!note.merged_into;
      tools.appendChild(button(api, out ? api.t("Show") : api.t("Hide"), "hide-" + note.id, function () {
        moderate(api, activity, out ? "show" : "hide", { note: note.id }, out ? api.t("Note shown.") : api.t("Note hidden."));
      }, d));
      tools.appendChild(button(api, api.t("Edit"), "edit-" + note.id, function () { st.editing = note.id; reopen(api, activity, ["edit-text-" + note.id]); }, d));
      if (!note.merged_into) tools.appendChild(button(api, api.t("Merge…"), "merge-" + note.id, function () { st.merging = note.id; reopen(api, activity, ["merge-into-" + note.id]); }, d));
      tools.appendChild(button(api, api.t("Promote…"), "promote-" + note.id, function () { st.promoting = { note: note.id }; reopen(api, activity, ["pt-n" + note.id, "promote-cancel-n" + note.id]); }, d));
      var move = keep(options(api, [["", api.t("No cluster")]].concat(list.clusters.map(function (c) { return [c.id, c.name]; })), note.cluster === null ? "" : note.cluster), "move-" + note.id);
      tools.appendChild(field(api, textId + "-move", api.t("Move to cluster"), move));
      tools.appendChild(button(api, api.t("Move"), "move-go-" + note.id, function () {
        var cluster = move.value ? parseInt(move.value, 10) : null;
        var c = cluster && byId(list.clusters, cluster);
        moderate(api, activity, "assign", { note: note.id, cluster: cluster }, c ? api.fmt(api.t("Note moved to “%s”."), [c.name]) : api.t("Note taken out of its cluster."));
      }, d));
      li.appendChild(tools);
      if (st.editing === note.id) {
        var area = keep(api.el("textarea", { rows: "3", "aria-label": api.t("Edit the note") }), "edit-text-" + note.id);
        area.value = note.text;
        li.appendChild(api.el("div", { className: "board-actions" }, [area,
          button(api, api.t("Save"), "edit-save-" + note.id, function () {
            st.editing = null;
            st.focus = ["edit-" + note.id];
            moderate(api, activity, "edit_note", { note: note.id, text: area.value }, api.t("Note saved."));
          }),
          button(api, api.t("Cancel"), "edit-cancel-" + note.id, function () { st.editing = null; reopen(api, activity, ["edit-" + note.id]); })]));
      }
      if (st.merging === note.id) {
        var targets = list.notes.filter(function (n) { return n.id !== note.id && !n.hidden && !n.merged_into; });
        var into = keep(options(api, targets.map(function (n) { return [n.id, short(n.text)]; })), "merge-into-" + note.id);
        li.appendChild(api.el("div", { className: "board-actions" }, [
          field(api, textId + "-merge", api.t("Merge into"), into),
          button(api, api.t("Merge"), "merge-go-" + note.id, function () {
            st.merging = null;
            st.focus = ["hide-" + note.id];
            if (into.value) moderate(api, activity, "merge", { note: note.id, into: parseInt(into.value, 10) }, api.t("Notes merged."));
          }),
          button(api, api.t("Cancel"), "merge-cancel-" + note.id, function () { st.merging = null; reopen(api, activity, ["merge-" + note.id]); })]));
      }
      if (st.promoting && st.promoting.note === note.id) li.appendChild(promoteForm(api, activity, st, { note: note.id }));
      return li;
    });
  }

  /* ------------------------------------------------------------ items */

  function applyItem(api, activity, data) {
    var it = items(activity);
    if (data.note) {
      var at = -1;
      it.notes.forEach(function (n, i) { if (n.id === data.note.id) at = i; });
      if (at >= 0) it.notes[at] = data.note;
      else { it.notes.push(data.note); it.notes.sort(function (a, b) { return a.id - b.id; }); }
    } else if (data.removed !== undefined) {
      it.notes = it.notes.filter(function (n) { return n.id !== data.removed; });
    } else if (data.cluster) {
      it.clusters = it.clusters.filter(function (c) { return c.id !== data.cluster.id; }).concat([data.cluster]);
      it.clusters.sort(function (a, b) { return a.position - b.position || a.id - b.id; });
    } else if (data.removed_cluster !== undefined) {
      it.clusters = it.clusters.filter(function (c) { return c.id !== data.removed_cluster; });
      it.notes.forEach(function (n) { if (n.cluster === data.removed_cluster) n.cluster = null; });
    }
    stamps.set(it, ++stampCount);
  }

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.idea_board = {
    build: build,
    update: update,
    results: results,
    applyItem: applyItem,
    countLabel: function (api, n) { return api.fmt(api.nt("%s note", "%s notes", n), [n]); }
  };
})();
