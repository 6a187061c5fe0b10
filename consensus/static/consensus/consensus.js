/* Common ground: participants answer statements one at a time and propose their own;
 * the facilitator moderates and reads the analysis. Shapes: docs/protocol.md. */
(function () {
  "use strict";
  var VOTES = ["agree", "disagree", "pass"];
  var NOT_SAID = "not_said";
  var TOP = 5;
  var ui = {};
  var consoles = new WeakMap();
  var formCount = 0;

  /* ------------------------------------------------------------ shared */

  function countsOf(tally, id) {
    var c = tally && tally.counts ? tally.counts[String(id)] : null;
    return c || [0, 0, 0];
  }

  function sum(c) { return c[0] + c[1] + c[2]; }

  function percentText(part, whole) {
    var share = whole ? Math.round(100 * part / whole) : 0;
    return window.LiveLocale ? window.LiveLocale.percent(share, 0) : share + " %"; // page language
  }

  function byId(items) {
    var map = {};
    (items || []).forEach(function (s) { map[s.id] = s; });
    return map;
  }

  function isOpen(api, activity) {
    var room = api.room();
    return activity.status === "open" && !(room && room.status === "closed");
  }

  function groupName(api, index) {
    var letter = index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
    return api.fmt(api.t("Opinion group %s"), [letter]);
  }

  // The server's label if sent, else the key made readable.
  function declaredName(api, activity, key) {
    if (key === NOT_SAID) return api.t("Did not say");
    var words = (activity.config.group_labels || {})[key] || key.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function stack(api, counts) {
    var total = sum(counts);
    var node = api.el("span", { className: "cs-stack", "aria-hidden": "true" });
    VOTES.forEach(function (vote, i) {
      var part = api.el("span", { className: "cs-part cs-" + vote });
      part.style.width = (total ? 100 * counts[i] / total : 0) + "%";
      node.appendChild(part);
    });
    return node;
  }

  function countsText(api, counts) {
    // A copy: interpolate() empties its array.
    return api.fmt(api.t("%s agree · %s disagree · %s pass"), counts.slice());
  }

  function sharesText(api, counts) {
    var total = sum(counts);
    if (!total) return api.t("No answers yet");
    return api.fmt(api.t("%s agree · %s disagree · %s pass"), counts.map(function (n) { return percentText(n, total); }));
  }

  // replaceChildren without the empty slots.
  function fill(node, children) {
    node.replaceChildren.apply(node, children.filter(function (c) { return c; }));
  }

  // Redraw, keeping the focus on the same control (or statement).
  function keepFocus(box, draw) {
    var active = document.activeElement;
    var key = active && box.contains(active) ? active.dataset.csFocus : null;
    var sid = key ? active.dataset.csS : null;
    draw();
    if (!key) return;
    var again = box.querySelector('[data-cs-focus="' + key + '"]') ||
      (sid ? box.querySelector('button[data-cs-s="' + sid + '"]') : null);
    if (again) again.focus();
  }

  function button(api, label, key, sid, describedBy, onClick, extra) {
    var attrs = { type: "button", className: "small", text: label };
    if (describedBy) attrs["aria-describedby"] = describedBy;
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    var b = api.el("button", attrs);
    b.dataset.csFocus = key + (sid ? "-" + sid : "");
    if (sid) b.dataset.csS = String(sid);
    b.addEventListener("click", onClick);
    return b;
  }

  // The language a statement's text element says it is in, for screen readers: the one
  // it was written in, unless the room shows the organiser's translation of it (room.js
  // replaces translated texts), which is in the page's language. Set on every item
  // before drawing (``shownLanguage``); none when unknown.
  function markLanguages(activity) {
    var page = (document.documentElement.lang || "").toLowerCase();
    var map = activity.language !== page && activity.translations ? activity.translations[page] : null;
    var translated = Object.create(null);
    if (map) Object.keys(map).forEach(function (k) { translated[map[k]] = true; });
    (activity.items || []).forEach(function (s) {
      s.shownLanguage = s.language && !translated[s.text] ? s.language : "";
    });
  }

  function textAttrs(s, attrs) {
    if (s && s.shownLanguage) attrs.lang = s.shownLanguage;
    return attrs;
  }

  function badge(api, cls, text) { return api.el("span", { className: "cs-badge " + cls, text: text }); }

  function ranked(list, statements) {
    return (list || []).map(function (r) { return r[0]; }).filter(function (id) { return statements[id]; }).slice(0, TOP);
  }

  function rankedItem(api, statement, counts) {
    return api.el("li", { className: "cs-ranked" }, [
      api.el("p", textAttrs(statement, { className: "cs-text", text: statement.text })),
      api.el("div", { className: "cs-figures-line" }, [
        stack(api, counts),
        api.el("span", { className: "cs-shares", text: sharesText(api, counts) })
      ])
    ]);
  }

  function rankedList(api, ids, statements, tally, empty) {
    if (!ids.length) return api.el("p", { className: "muted", text: empty });
    return api.el("ol", { className: "cs-list cs-ranked-list" }, ids.map(function (id) {
      return rankedItem(api, statements[id], countsOf(tally, id));
    }));
  }

  // Across declared groups if any, else across opinion groups.
  function commonGround(analysis) {
    var ground = (analysis && analysis.common_ground) || {};
    return ground.declared && ground.declared.length ? ground.declared : ground.opinion || [];
  }

  /* ------------------------------------------------------------ participant */

  function mine(api, activity) {
    var state = api.mine(activity);
    return state && state.answers ? state : { answers: {}, submitted: [] };
  }

  function voteButtons(api, activity, statement, textId, current, keyPrefix, large) {
    var open = isOpen(api, activity);
    var group = api.el("div", { className: "cs-votes" + (large ? " large" : ""), role: "group", "aria-label": api.t("Your answer") });
    VOTES.forEach(function (vote) {
      var label = { agree: api.t("Agree"), disagree: api.t("Disagree"), pass: api.t("Pass") }[vote];
      var extra = { className: "cs-vote cs-" + vote + (large ? "" : " small") };
      if (!large || current) extra["aria-pressed"] = String(current === vote);
      var b = button(api, label, keyPrefix + vote, statement.id, textId, function () {
        answer(api, activity, statement, vote, b);
      }, extra);
      if (vote === "pass") b.appendChild(api.el("span", { className: "cs-hint", text: api.t("unsure / skip") }));
      b.disabled = !open;
      group.appendChild(b);
    });
    return group;
  }

  function answer(api, activity, statement, vote, pressed) {
    var parts = ui[activity.id];
    if (!parts || !isOpen(api, activity)) return;
    parts.answerKey = api.act(activity, "answer", { statement: statement.id, vote: vote });
    parts.answerFocus = parts.card.contains(pressed);
    pressed.parentNode.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b === pressed));
    });
  }

  function build(api, activity) {
    var cfg = activity.config, id = "cs-" + activity.id, el = api.el, t = api.t;
    var parts = ui[activity.id] = { answerKey: null, answerFocus: false, sent: null, done: null };
    parts.progress = el("p", { className: "cs-progress" });
    parts.card = el("div", { className: "cs-card-box" });
    parts.doneHeading = el("h3", { tabindex: "-1", text: t("You have answered every statement") });
    parts.doneBox = el("div", { className: "cs-done" }, [
      parts.doneHeading,
      el("p", { className: "muted", text: t("You can change your answers below while this activity is open.") })
    ]);
    parts.doneBox.hidden = true;
    parts.reviewSummary = el("summary");
    parts.reviewList = el("ol", { className: "cs-list cs-review-list" });
    parts.review = el("details", { className: "cs-review" }, [parts.reviewSummary, parts.reviewList]);
    parts.review.hidden = true;
    var nodes = [parts.progress, parts.card, parts.doneBox, parts.review];

    if (cfg.allow_submissions) {
      var area = el("textarea", { id: id + "-text", name: "text", rows: "3", maxlength: String(cfg.max_length), "aria-describedby": id + "-help " + id + "-count" });
      var counter = el("p", { className: "cs-counter muted", id: id + "-count" });
      var send = el("button", { type: "submit", text: t("Send statement") });
      var confirmation = el("p", { className: "confirmation", id: "confirmation", role: "status" });
      parts.left = el("p", { className: "muted cs-left" });
      var form = el("form", { className: "cs-submit", "aria-labelledby": id + "-propose" }, [
        el("h3", { id: id + "-propose", text: t("Propose a statement") }),
        el("div", {}, [
          el("label", { for: area.id, text: t("Your statement") }),
          el("span", { className: "helptext", id: id + "-help", text: t("One clear statement others can agree or disagree with. The facilitator approves it first.") }),
          area, counter
        ]),
        send, parts.left, confirmation
      ]);
      var count = function () { counter.textContent = api.fmt(t("%s of %s characters"), [area.value.length, cfg.max_length]); };
      area.addEventListener("input", count);
      count();
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var text = area.value.replace(/\s+/g, " ").trim();
        if (!text) { api.alert(t("Write the statement first.")); area.focus(); return; }
        if (text.length > cfg.max_length) { api.alert(api.fmt(t("Keep the statement under %s characters."), [cfg.max_length])); return; }
        parts.sent = api.act(activity, "submit", { text: text });
        confirmation.textContent = t("Sending…");
      });
      parts.area = area;
      parts.send = send;
      parts.confirmation = confirmation;
      nodes.push(form);
    }
    parts.ownList = el("ol", { className: "cs-list cs-own-list" });
    parts.own = el("section", { className: "cs-own", "aria-labelledby": id + "-own" }, [
      el("h3", { id: id + "-own", text: t("Statements you proposed") }), parts.ownList
    ]);
    parts.own.hidden = true;
    nodes.push(parts.own);
    return el("div", { className: "consensus" }, nodes);
  }

  function drawCard(api, activity, parts, next, answered, total, open) {
    var sig = JSON.stringify([next ? [next.id, next.text] : null, answered, total, open]);
    if (parts.card.dataset.sig === sig) return;
    parts.card.dataset.sig = sig;
    var focus = parts.answerFocus || parts.card.contains(document.activeElement);
    parts.answerFocus = false;
    if (!next) {
      parts.card.replaceChildren();
      if (focus && total) parts.doneHeading.focus();
      return;
    }
    var textId = "cs-now-" + activity.id;
    parts.card.replaceChildren(api.el("section", { className: "cs-card", "aria-labelledby": textId }, [
      api.el("p", textAttrs(next, { className: "cs-statement", id: textId, text: next.text })),
      voteButtons(api, activity, next, textId, null, "now-", true)
    ]));
    if (focus) {
      var first = parts.card.querySelector("button:not([disabled])");
      if (first) first.focus();
    }
  }

  function drawReview(api, activity, parts, visible, answers, done, open) {
    var count = visible.filter(function (s) { return answers[String(s.id)]; }).length;
    var sig = JSON.stringify([visible, answers, open]);
    parts.review.hidden = count === 0;
    parts.reviewSummary.textContent = done
      ? api.fmt(api.t("Your answers (%s)"), [count])
      : api.fmt(api.t("Change an earlier answer (%s)"), [count]);
    if (done && parts.done !== true) parts.review.open = true;
    if (parts.reviewList.dataset.sig === sig) return;
    parts.reviewList.dataset.sig = sig;
    keepFocus(parts.reviewList, function () {
      fill(parts.reviewList, visible.filter(function (s) { return answers[String(s.id)]; }).map(function (s) {
        var textId = "cs-r-" + activity.id + "-" + s.id;
        return api.el("li", { className: "cs-item" }, [
          api.el("p", textAttrs(s, { className: "cs-text", id: textId, text: s.text })),
          voteButtons(api, activity, s, textId, answers[String(s.id)], "r-", false)
        ]);
      }));
    });
  }

  function drawOwn(api, parts, state) {
    var sig = JSON.stringify(state.submitted);
    if (parts.ownList.dataset.sig === sig) return;
    parts.ownList.dataset.sig = sig;
    parts.own.hidden = !state.submitted.length;
    var labels = {
      pending: ["pending", api.t("Awaiting approval")],
      visible: ["visible", api.t("Visible to everyone")],
      hidden: ["hidden", api.t("Hidden by the facilitator")]
    };
    fill(parts.ownList, state.submitted.map(function (s) {
      var b = labels[s.status] || labels.pending;
      return api.el("li", { className: "cs-item" }, [
        api.el("p", { className: "cs-text", text: s.text }),
        api.el("p", { className: "cs-meta" }, [badge(api, b[0], b[1])])
      ]);
    }));
  }

  function update(api, activity) {
    var parts = ui[activity.id], t = api.t;
    if (!parts) return;
    markLanguages(activity);
    var cfg = activity.config, state = mine(api, activity), open = isOpen(api, activity);
    var visible = activity.items || [], answers = state.answers;
    var answered = visible.filter(function (s) { return answers[String(s.id)]; }).length;
    var next = visible.filter(function (s) { return !answers[String(s.id)]; })[0] || null;
    var done = visible.length > 0 && !next;
    var stage = document.getElementById("stage");
    var ack = stage ? stage.dataset.ack : null;

    if (parts.answerKey && ack === parts.answerKey) {
      parts.answerKey = null;
      api.announce(done ? t("Answer saved. You have answered every statement.")
        : api.fmt(t("Answer saved. %s of %s answered."), [answered, visible.length]));
    }
    if (parts.sent && ack === parts.sent) {
      parts.sent = null;
      parts.area.value = "";
      parts.area.dispatchEvent(new Event("input"));
      parts.confirmation.textContent = t("Sent. It will appear once the facilitator approves it.");
    }

    parts.progress.textContent = !visible.length ? t("No statements yet.")
      : api.fmt(t("%s of %s answered"), [answered, visible.length]);
    if (!open) parts.progress.textContent += " · " + t("This activity is closed.");
    if (parts.done === true && !done && next) api.announce(t("A new statement to answer."));
    parts.doneBox.hidden = !done;
    drawCard(api, activity, parts, next, answered, visible.length, open);
    drawReview(api, activity, parts, visible, answers, done, open);
    parts.done = done;

    if (parts.area) {
      var remaining = Math.max(0, cfg.max_submissions - state.submitted.length);
      var locked = !open || remaining === 0;
      var active = document.activeElement;
      parts.area.disabled = parts.send.disabled = locked;
      // A control disabled under the focus (the last statement allowed is sent, or the
      // activity closed): the focus goes to the form's status line, not to the page.
      if (active && active.disabled && active.form === parts.send.form) {
        parts.confirmation.setAttribute("tabindex", "-1");
        parts.confirmation.focus();
      }
      parts.left.textContent = !open ? t("This activity is closed.")
        : remaining === 0 ? t("You have sent as many statements as this activity allows.")
        : api.fmt(api.nt("You can send %s more statement.", "You can send %s more statements.", remaining), [remaining]);
    }
    drawOwn(api, parts, state);
  }

  function drawParticipantResults(api, box, activity, tally) {
    box.setAttribute("aria-live", "off"); // redrawn on every answer
    var analysis = tally && tally.analysis;
    if (!analysis) { box.replaceChildren(); return; }
    var statements = byId(activity.items);
    var ids = ranked(commonGround(analysis), statements).slice(0, 3);
    box.replaceChildren(api.el("section", { className: "cs-results" }, [
      api.el("h3", { text: api.t("Common ground so far") }),
      rankedList(api, ids, statements, tally, api.t("No common ground found yet."))
    ]));
  }

  /* ------------------------------------------------------------ facilitator */

  // The add form is kept across redraws, with what is typed.
  function consoleParts(api, box, activity) {
    var parts = consoles.get(box);
    if (parts && parts.activity === activity.id) return parts;
    var el = api.el, t = api.t, id = "cs-add-" + activity.id + "-" + (formCount += 1);
    var area = el("textarea", { id: id, name: "text", rows: "2", maxlength: String(activity.config.max_length) });
    var form = el("form", { className: "cs-add" }, [
      el("label", { for: id, text: t("Add a statement") }),
      area,
      el("button", { type: "submit", className: "small", text: t("Add") })
    ]);
    parts = { activity: activity.id, form: form, area: area, body: el("div", { className: "cs-console" }), adding: null, known: null };
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.replace(/\s+/g, " ").trim();
      var limit = activity.config.max_length;
      if (!text) { api.alert(t("Write the statement first.")); area.focus(); return; }
      if (text.length > limit) { api.alert(api.fmt(t("Keep the statement under %s characters."), [limit])); return; }
      parts.adding = text;
      parts.known = byId(activity.items);
      api.moderate(activity, "add", { text: text }, t("Statement added."));
    });
    consoles.set(box, parts);
    return parts;
  }

  function drawConsole(api, box, activity, tally) {
    var el = api.el, t = api.t, items = activity.items;
    var parts = consoleParts(api, box, activity);
    box.setAttribute("aria-live", "off"); // the moderation notes are announced
    if (box.childNodes.length !== 2 || box.firstChild !== parts.form || box.lastChild !== parts.body) {
      box.replaceChildren(parts.form, parts.body);
    }
    parts.form.hidden = activity.status === "closed";
    if (parts.adding && (items || []).some(function (s) { return s.text === parts.adding && !parts.known[s.id]; })) {
      if (parts.area.value.replace(/\s+/g, " ").trim() === parts.adding) parts.area.value = "";
      parts.adding = null;
    }
    if (items === undefined) {
      fill(parts.body, [el("p", { className: "muted", text: t("The statements are listed here once the activity is open.") })]);
      return;
    }
    function moderate(action, s, note) { api.moderate(activity, action, { statement: s.id }, note); }
    function row(s) {
      var textId = "cs-c-" + activity.id + "-" + s.id;
      var b = function (label, key, action, note) {
        return button(api, label, key, s.id, textId, function () { moderate(action, s, note); });
      };
      var meta = [];
      if (s.submitted) meta.push(badge(api, "submitted", t("From a participant")));
      var actions = el("div", { className: "cs-actions" });
      if (s.status === "pending") actions.appendChild(b(t("Approve"), "approve", "approve", t("Statement approved.")));
      // Hide and unhide share a focus key.
      if (s.status !== "hidden") actions.appendChild(b(t("Hide"), "hide", "hide", t("Statement hidden.")));
      else actions.appendChild(b(t("Unhide"), "hide", "unhide", t("Statement visible again.")));
      var body = [el("p", textAttrs(s, { className: "cs-text", id: textId, text: s.text }))];
      if (s.status === "visible") {
        var counts = countsOf(tally, s.id);
        body.push(el("div", { className: "cs-figures-line" }, [stack(api, counts), el("span", { className: "cs-shares", text: countsText(api, counts) })]));
      }
      if (meta.length) body.push(el("p", { className: "cs-meta" }, meta));
      return el("li", { className: "cs-item " + s.status }, [el("div", { className: "cs-body" }, body), actions]);
    }
    function section(title, status) {
      var list = items.filter(function (s) { return s.status === status; });
      if (!list.length) return null;
      return el("section", { className: "cs-section" }, [
        el("h4", { text: api.fmt(title, [list.length]) }),
        el("ol", { className: "cs-list" }, list.map(row))
      ]);
    }
    keepFocus(parts.body, function () {
      fill(parts.body, [
        items.length ? null : el("p", { className: "muted", text: t("No statements yet.") }),
        section(t("Awaiting approval (%s)"), "pending"),
        section(t("Statements (%s)"), "visible"),
        section(t("Hidden (%s)"), "hidden"),
        analysisSection(api, activity, tally, parts)
      ]);
    });
  }

  function reasonText(api, reason) {
    return {
      too_few_participants: api.t("Too few people have answered to find opinion groups."),
      no_differences: api.t("The answers show no differences of opinion."),
      groups_too_small: api.t("Every group of differing opinion would have fewer than 5 people.")
    }[reason] || api.t("No opinion groups yet.");
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : null;
    if (window.LiveLocale) return window.LiveLocale.time(iso); // page language, reader's zone
    return d && !isNaN(d) ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function analysisSection(api, activity, tally, box) {
    var el = api.el, t = api.t;
    var parts = [el("h4", { text: t("Analysis") })];
    if (tally && tally.updating) parts.push(el("p", { className: "cs-updating", text: t("Updating…") }));
    var analysis = tally && tally.analysis;
    if (!analysis) {
      parts.push(el("p", { className: "muted", text: t("The analysis appears here once participants have answered.") }));
      return el("section", { className: "cs-analysis" }, parts);
    }
    var statements = {};
    (activity.items || []).forEach(function (s) { if (s.status === "visible") statements[s.id] = s; });
    var when = clock(analysis.computed_at);
    parts.push(el("p", { className: "muted", text: api.fmt(t("%s participants, %s answers, counted at %s."), [analysis.participants, analysis.answers, when || "–"]) }));
    function pair(title, lists, none) {
      return el("section", { className: "cs-sub" }, [
        el("h5", { text: title }),
        el("h6", { text: t("Across stakeholder groups") }),
        rankedList(api, ranked(lists.declared, statements), statements, tally,
          analysis.declared_groups && analysis.declared_groups.length ? none : t("Not enough people in any stakeholder group yet (at least 5).")),
        el("h6", { text: t("Across opinion groups") }),
        rankedList(api, ranked(lists.opinion, statements), statements, tally,
          (analysis.opinion_groups || []).length ? none : t("No opinion groups yet."))
      ]);
    }
    parts.push(pair(t("Common ground"), analysis.common_ground || {}, t("None yet.")));
    parts.push(pair(t("Divisive statements"), analysis.divisive || {}, t("None yet.")));
    parts.push(opinionGroups(api, analysis, statements));
    parts.push(groupTable(api, activity, analysis, statements, box));
    return el("section", { className: "cs-analysis" }, parts);
  }

  function opinionGroups(api, analysis, statements) {
    var el = api.el, t = api.t, groups = analysis.opinion_groups || [];
    var body = [el("h5", { text: api.fmt(t("Opinion groups (%s)"), [groups.length]) })];
    if (!groups.length) {
      body.push(el("p", { className: "muted", text: reasonText(api, analysis.no_opinion_groups) }));
      return el("section", { className: "cs-sub" }, body);
    }
    body.push(el("ul", { className: "cs-list cs-groups" }, groups.map(function (g) {
      var apart = (g.sets_apart || []).filter(function (a) { return statements[a.statement]; }).map(function (a) {
        var said = a.direction === "agree" ? t("Agree more than the others:") : t("Disagree more than the others:");
        return el("li", {}, [
          el("span", { className: "cs-direction cs-" + a.direction, text: said }), " ",
          el("span", textAttrs(statements[a.statement], { className: "cs-text", text: statements[a.statement].text })), " ",
          el("span", { className: "muted", text: api.fmt(t("(%s of the group, %s of the rest)"), [percentText(a.group_share, 1), percentText(a.rest_share, 1)]) })
        ]);
      });
      return el("li", { className: "cs-group" }, [
        el("p", { className: "cs-group-name" }, [
          el("strong", { text: groupName(api, g.index) }), " · ",
          api.fmt(api.nt("%s person", "%s people", g.size), [g.size])
        ]),
        apart.length ? el("ul", { className: "cs-apart" }, apart) : el("p", { className: "muted", text: t("Nothing sets this group clearly apart.") })
      ]);
    })));
    return el("section", { className: "cs-sub" }, body);
  }

  function figureCell(api, f) {
    if (!f) return api.el("td", { className: "cs-few", text: api.t("fewer than 5") });
    return api.fmt(api.t("%s / %s / %s"), [f.agree, f.disagree, f.pass]);
  }

  function groupTable(api, activity, analysis, statements, box) {
    var t = api.t, figures = analysis.statements || {};
    var ids = Object.keys(statements).filter(function (id) { return figures[id]; }).map(Number).sort(function (a, b) { return a - b; });
    var keys = (analysis.declared_groups || []).slice(), said = false;
    ids.forEach(function (id) {
      Object.keys(figures[id].by_group || {}).forEach(function (k) {
        if (k === NOT_SAID) said = true; else if (keys.indexOf(k) < 0) keys.push(k);
      });
    });
    if (said) keys.push(NOT_SAID);
    if (!keys.length || !ids.length) return null;
    var caption = t("Agree / disagree / pass per stakeholder group");
    var rows = ids.map(function (id) {
      var by = figures[id].by_group || {};
      return [statements[id].text].concat(keys.map(function (k) { return by[k] === undefined ? "–" : figureCell(api, by[k]); }));
    });
    var head = [t("Statement")].concat(keys.map(function (k) { return declaredName(api, activity, k); }));
    var details = api.el("details", { className: "cs-tables" }, [
      api.el("summary", { text: t("Answers per stakeholder group") }),
      api.el("div", { className: "table-scroll cs-scroll", tabindex: "0", role: "region", "aria-label": caption }, [
        api.resultsTable(caption, head, rows, "cs-by-group")
      ])
    ]);
    details.open = !!box.tableOpen; // stays open across redraws
    details.addEventListener("toggle", function () { box.tableOpen = details.open; });
    return details;
  }

  /* ------------------------------------------------------------ projector */

  function figure(api, value, label) {
    return api.el("li", { className: "cs-figure" }, [
      api.el("span", { className: "cs-big", text: String(value) }), " ",
      api.el("span", { className: "cs-figure-label", text: label })
    ]);
  }

  function drawScreen(api, box, activity, tally) {
    var el = api.el, t = api.t, items = activity.items || [];
    var statements = byId(items);
    if (!tally) {
      fill(box, [
        el("ul", { className: "cs-figures" }, [figure(api, items.length, api.nt("statement", "statements", items.length))]),
        items.length ? el("ul", { className: "cs-preview" }, items.map(function (s) { return el("li", textAttrs(s, { text: s.text })); }))
          : el("p", { className: "muted", text: t("No statements yet.") })
      ]);
      return;
    }
    var analysis = tally.analysis;
    var n = tally.statements !== undefined ? tally.statements : items.length;
    var figures = [figure(api, n, api.nt("statement", "statements", n))];
    if (analysis) {
      figures.push(figure(api, analysis.participants, api.nt("participant", "participants", analysis.participants)));
      var groups = (analysis.opinion_groups || []).length;
      figures.push(figure(api, groups, api.nt("opinion group", "opinion groups", groups)));
    }
    var ids = analysis ? ranked(commonGround(analysis), statements) : [];
    var title = t("Common ground");
    if (!ids.length) {
      title = t("Most agreed so far");
      var agreed = function (s) { var c = countsOf(tally, s.id); return c[0] / sum(c); };
      ids = items.filter(function (s) { return sum(countsOf(tally, s.id)); }).sort(function (a, b) {
        return agreed(b) - agreed(a) || a.id - b.id;
      }).slice(0, TOP).map(function (s) { return s.id; });
    }
    fill(box, [
      el("ul", { className: "cs-figures" }, figures),
      el("h3", { className: "cs-screen-title", text: title }),
      ids.length ? el("ol", { className: "cs-list cs-ranked-list cs-top" }, ids.map(function (id) {
        return rankedItem(api, statements[id], countsOf(tally, id));
      })) : el("p", { className: "muted", text: t("No answers yet.") })
    ]);
  }

  /* ------------------------------------------------------------ plugin */

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.consensus = {
    build: build,
    update: update,
    results: function (api, box, activity, tally) {
      markLanguages(activity);
      if (api.role === "facilitator") drawConsole(api, box, activity, tally);
      else if (api.role === "screen") drawScreen(api, box, activity, tally);
      else drawParticipantResults(api, box, activity, tally);
    },
    applyItem: function (api, activity, data) {
      var items = activity.items || (activity.items = []);
      var id = data.statement ? data.statement.id : data.removed;
      var at = -1, after = 0;
      items.forEach(function (s, i) {
        if (s.id === id) at = i;
        if (s.id < id) after = i + 1;
      });
      if (data.statement) {
        if (at >= 0) items[at] = data.statement; else items.splice(after, 0, data.statement);
      } else if (at >= 0) items.splice(at, 1);
      if (api.role !== "participant") return;
      mine(api, activity).submitted.forEach(function (own) {
        if (own.id !== id) return;
        if (data.statement && own.status !== "visible") {
          own.status = "visible";
          api.announce(api.t("Your statement is now visible to everyone."));
        } else if (!data.statement) {
          own.status = "hidden";
        }
      });
    },
    countLabel: function (api, n) {
      return api.fmt(api.nt("%s participant answered", "%s participants answered", n), [n]);
    }
  };
})();
