/* Q&A activity: participants ask (optionally anonymously) and upvote; the facilitator
 * approves, hides, marks answered and puts one question on the projector.
 * Items (activity.items): questions per role; item events {question}, {removed},
 * {on_screen}. Tally: {questions, answered, votes: {id: n}, on_screen}. Own state
 * (api.mine): {questions: [...with status], upvoted: [ids]}. DOM via textContent only. */
(function () {
  "use strict";
  var sortBy = {}; // activity id -> "votes" | "time" (per page, not sent anywhere)
  var ui = {}; // activity id -> the participant form's nodes

  function votesOf(api, activity) {
    var tally = api.tally(activity);
    return tally && tally.votes ? tally.votes : null;
  }
  function n(votes, id) { return votes ? votes[String(id)] || 0 : 0; }

  // Both orders are total (ties broken by id), so equal states always draw the same.
  function sorted(list, mode, votes) {
    return list.slice().sort(function (a, b) {
      if (mode === "votes" && votes) return n(votes, b.q.id) - n(votes, a.q.id) || a.q.id - b.q.id;
      return b.q.id - a.q.id; // newest first: ids follow the order of asking
    });
  }

  function mine(api, activity) {
    var state = api.mine(activity);
    return state && state.questions ? state : { questions: [], upvoted: [] };
  }

  // A question's text element, in the language it was written in (for screen readers).
  function textAttrs(q, attrs) {
    if (q.language) attrs.lang = q.language;
    return attrs;
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : null;
    if (window.LiveLocale) return window.LiveLocale.time(iso); // page language, reader's zone
    return d && !isNaN(d) ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  // Redraw box with draw(), then give focus back to the same control (or another
  // control of the same question) so keyboard users do not lose their place.
  function keepFocus(box, draw) {
    var active = document.activeElement;
    var key = active && box.contains(active) ? active.dataset.qnaFocus : null;
    var qid = key ? active.dataset.qnaQ : null;
    draw();
    if (!key) return;
    var again = box.querySelector('[data-qna-focus="' + key + '"]') ||
      (qid ? box.querySelector('button[data-qna-q="' + qid + '"]') : null);
    if (again) again.focus();
  }

  function button(api, label, key, qid, describedBy, onClick, extra) {
    var attrs = { type: "button", className: "small", text: label };
    if (describedBy) attrs["aria-describedby"] = describedBy;
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    var b = api.el("button", attrs);
    b.dataset.qnaFocus = key + (qid ? "-" + qid : "");
    if (qid) b.dataset.qnaQ = String(qid);
    b.addEventListener("click", onClick);
    return b;
  }

  function sortBar(api, activity, redraw) {
    var mode = sortBy[activity.id] || "votes";
    var group = api.el("div", { className: "qna-sort", role: "group", "aria-label": api.t("Sort questions") });
    [["votes", api.t("Most votes")], ["time", api.t("Newest")]].forEach(function (o) {
      group.appendChild(button(api, o[1], "sort-" + o[0], null, null, function () {
        sortBy[activity.id] = o[0];
        redraw();
      }, { "aria-pressed": String(mode === o[0]) }));
    });
    return group;
  }

  // replaceChildren without the empty slots (null would be drawn as the text "null").
  function fill(node, children) {
    node.replaceChildren.apply(node, children.filter(function (c) { return c; }));
  }

  function badge(api, cls, text) { return api.el("span", { className: "qna-badge " + cls, text: text }); }

  function voteLabel(api, count) { return api.fmt(api.nt("%s vote", "%s votes", count), [count]); }

  /* ------------------------------------------------------------ participant */

  function rows(api, activity) {
    var state = mine(api, activity), own = {}, seen = {}, list = [];
    state.questions.forEach(function (q) { own[q.id] = q; });
    (activity.items || []).forEach(function (q) { seen[q.id] = true; list.push({ q: q, own: own[q.id] }); });
    // Own questions the room does not see (awaiting approval, hidden, or just sent).
    state.questions.forEach(function (q) { if (!seen[q.id]) list.push({ q: q, own: q }); });
    return list;
  }

  function participantRow(api, activity, row, votes, upvoted, open) {
    var q = row.q, own = row.own, textId = "qna-q-" + q.id;
    var meta = [];
    if (own) meta.push(own.anonymous ? api.t("You (anonymous to the room)") : api.t("You"));
    else meta.push(q.author || api.t("Anonymous"));
    if (clock(q.created_at)) meta.push(clock(q.created_at));
    var badges = [];
    if (q.answered) badges.push(badge(api, "answered", api.t("Answered")));
    if (own && own.status === "pending") badges.push(badge(api, "pending", api.t("Awaiting approval")));
    if (own && own.status === "hidden") badges.push(badge(api, "hidden", api.t("Hidden by the facilitator")));
    var actions = api.el("div", { className: "qna-actions" });
    if (votes && (!own || own.status === "visible")) actions.appendChild(api.el("span", { className: "qna-votes", text: voteLabel(api, n(votes, q.id)) }));
    if (!own) {
      var pressed = upvoted.indexOf(q.id) >= 0;
      var up = button(api, api.t("Upvote"), "up", q.id, textId, function () {
        api.act(activity, pressed ? "unvote" : "upvote", { question: q.id });
      }, { "aria-pressed": String(pressed), className: "small qna-up" });
      up.disabled = !open;
      actions.appendChild(up);
    } else if (!q.answered && open) {
      actions.appendChild(button(api, api.t("Withdraw"), "withdraw", q.id, textId, function () {
        api.act(activity, "withdraw", { question: q.id });
      }));
    }
    var cls = "qna-q" + (q.answered ? " answered" : "") + (own ? " own" : "");
    return api.el("li", { className: cls }, [
      api.el("p", textAttrs(q, { className: "qna-text", id: textId, text: q.text })),
      api.el("p", { className: "qna-meta" }, badges.concat([meta.join(" · ")])),
      actions
    ]);
  }

  function drawParticipantList(api, activity) {
    var parts = ui[activity.id];
    if (!parts) return;
    var votes = votesOf(api, activity), state = mine(api, activity);
    var open = activity.status === "open" && api.room().status !== "closed";
    var mode = sortBy[activity.id] || "votes";
    var sig = JSON.stringify([activity.version || 0, activity.items || [], votes, state, mode, open]);
    if (parts.list.dataset.sig === sig) return;
    parts.list.dataset.sig = sig;
    keepFocus(parts.section, function () {
      var list = sorted(rows(api, activity), mode, votes);
      fill(parts.bar, [votes && list.length > 1 ? sortBar(api, activity, function () { drawParticipantList(api, activity); }) : null]);
      fill(parts.list, list.map(function (row) {
        return participantRow(api, activity, row, votes, state.upvoted, open);
      }));
      parts.empty.hidden = list.length > 0;
    });
  }

  function build(api, activity) {
    var cfg = activity.config, id = "qna-" + activity.id, el = api.el, t = api.t;
    var area = el("textarea", { id: id + "-text", name: "text", rows: "3", maxlength: String(cfg.max_length), "aria-describedby": id + "-count" });
    var counter = el("p", { className: "qna-counter muted", id: id + "-count" });
    var anon = cfg.allow_anonymous ? el("input", { type: "checkbox", id: id + "-anon", name: "anonymous", "aria-describedby": id + "-anon-help" }) : null;
    var ask = el("button", { type: "submit", text: t("Ask") });
    var confirmation = el("p", { className: "confirmation", id: "confirmation", role: "status" });
    var left = el("p", { className: "muted qna-left" });
    var form = el("form", { className: "qna-ask", "aria-labelledby": "question" }, [
      el("div", {}, [el("label", { for: area.id, text: t("Your question") }), area, counter]),
      anon ? el("div", {}, [
        el("div", { className: "check" }, [anon, el("label", { for: anon.id, text: t("Ask anonymously") })]),
        el("span", { className: "helptext", id: anon.id + "-help", text: cfg.moderators_see_names
          ? t("Other participants and the projector will not see your name; the facilitator will.")
          : t("Nobody in the room will see your name.") })]) : null,
      ask, left, confirmation
    ]);
    function count() { counter.textContent = api.fmt(t("%s of %s characters"), [area.value.length, cfg.max_length]); }
    area.addEventListener("input", count);
    count();
    var parts = ui[activity.id] = { area: area, anon: anon, ask: ask, confirmation: confirmation, left: left, sent: null };
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = area.value.replace(/\s+/g, " ").trim();
      if (!text) { api.alert(t("Write your question first.")); area.focus(); return; }
      if (text.length > cfg.max_length) { api.alert(api.fmt(t("Keep your question under %s characters."), [cfg.max_length])); return; }
      parts.sent = api.act(activity, "ask", { text: text, anonymous: !!(anon && anon.checked) });
      confirmation.textContent = t("Sending…");
    });
    parts.bar = el("div");
    parts.list = el("ol", { className: "qna-list", "aria-labelledby": id + "-list" });
    parts.empty = el("p", { className: "muted", text: t("No questions yet. Be the first to ask.") });
    parts.section = el("section", { className: "qna-questions" }, [
      el("h3", { id: id + "-list", text: t("Questions") }), parts.bar, parts.empty, parts.list
    ]);
    return el("div", { className: "qna" }, [form, parts.section]);
  }

  function update(api, activity) {
    var parts = ui[activity.id], t = api.t;
    if (!parts) return;
    var cfg = activity.config, state = mine(api, activity);
    var open = activity.status === "open" && api.room().status !== "closed";
    var remaining = Math.max(0, cfg.max_questions - state.questions.length);
    var stage = document.getElementById("stage");
    if (parts.sent && stage && stage.dataset.ack === parts.sent) {
      parts.sent = null;
      parts.area.value = "";
      parts.area.dispatchEvent(new Event("input"));
      parts.confirmation.textContent = cfg.premoderate
        ? t("Question sent. It will appear once the facilitator approves it.")
        : t("Question sent. Thank you!");
    }
    var locked = !open || remaining === 0;
    var active = document.activeElement;
    parts.area.disabled = parts.ask.disabled = locked;
    if (parts.anon) parts.anon.disabled = locked;
    // A control disabled under the focus (the last question allowed is sent, or the
    // Q&A closed): the focus goes to the form's status line, not back to the page.
    if (active && active.disabled && active.form === parts.ask.form) {
      parts.confirmation.setAttribute("tabindex", "-1");
      parts.confirmation.focus();
    }
    parts.left.textContent = !open ? t("Questions are closed.")
      : remaining === 0 ? t("You have asked as many questions as this Q&A allows.")
      : api.fmt(api.nt("You can ask %s more question.", "You can ask %s more questions.", remaining), [remaining]);
    drawParticipantList(api, activity);
  }

  /* ------------------------------------------------------------ projector */

  function drawScreen(api, box, activity, tally) {
    var votes = tally && tally.votes ? tally.votes : null, el = api.el, t = api.t;
    var items = activity.items || [];
    var onScreen = items.filter(function (q) { return q.id === activity.config.on_screen; })[0];
    if (onScreen) {
      var meta = [onScreen.author || t("Anonymous")];
      if (votes) meta.push(voteLabel(api, n(votes, onScreen.id)));
      box.replaceChildren(el("figure", { className: "qna-on-screen" }, [
        el("blockquote", textAttrs(onScreen, { className: "qna-big", text: onScreen.text })),
        el("figcaption", { className: "qna-meta" }, [onScreen.answered ? badge(api, "answered", t("Answered")) : null, meta.join(" · ")])
      ]));
      return;
    }
    var mode = sortBy[activity.id] || "votes";
    var list = sorted(items.map(function (q) { return { q: q }; }), mode, votes).slice(0, 8);
    keepFocus(box, function () {
      fill(box, [
        votes && items.length > 1 ? sortBar(api, activity, function () { drawScreen(api, box, activity, api.tally(activity)); }) : null,
        list.length ? el("ol", { className: "qna-list" }, list.map(function (row) {
          var q = row.q;
          return el("li", { className: "qna-q" + (q.answered ? " answered" : "") }, [
            el("p", textAttrs(q, { className: "qna-text", text: q.text })),
            el("p", { className: "qna-meta" }, [q.answered ? badge(api, "answered", t("Answered")) : null, q.author || t("Anonymous")]),
            votes ? el("div", { className: "qna-actions" }, [el("span", { className: "qna-votes", text: voteLabel(api, n(votes, q.id)) })]) : null
          ]);
        })) : el("p", { className: "muted", text: t("No questions yet.") })
      ]);
    });
  }

  /* ------------------------------------------------------------ facilitator */

  function drawConsole(api, box, activity, tally) {
    var el = api.el, t = api.t, votes = tally && tally.votes ? tally.votes : {};
    var items = activity.items || [], on = activity.config.on_screen;
    var redraw = function () { drawConsole(api, box, activity, api.tally(activity)); };
    function moderate(action, q, note) {
      api.moderate(activity, action, q ? { question: q.id } : null, note);
    }
    function row(q) {
      var textId = "qna-c-" + q.id, meta = [q.author || t("No name")];
      if (q.anonymous) meta.push(t("anonymous to the room"));
      if (clock(q.created_at)) meta.push(clock(q.created_at));
      var badges = [];
      if (q.id === on) badges.push(badge(api, "screen", t("On the projector")));
      if (q.answered) badges.push(badge(api, "answered", t("Answered")));
      // Buttons that replace each other (hide/unhide ...) share a focus key.
      var b = function (label, key, action, note) {
        return button(api, label, key, q.id, textId, function () { moderate(action, q, note); });
      };
      var actions = el("div", { className: "qna-actions" });
      if (q.status === "visible") actions.appendChild(el("span", { className: "qna-votes", text: voteLabel(api, n(votes, q.id)) }));
      if (q.status === "pending") actions.appendChild(b(t("Approve"), "approve", "approve", t("Question approved.")));
      if (q.status !== "hidden") actions.appendChild(b(t("Hide"), "hide", "hide", t("Question hidden.")));
      else actions.appendChild(b(t("Unhide"), "hide", "unhide", t("Question visible again.")));
      if (q.status === "visible") {
        actions.appendChild(q.answered
          ? b(t("Mark unanswered"), "answered", "mark_unanswered", t("Marked unanswered."))
          : b(t("Mark answered"), "answered", "mark_answered", t("Marked answered.")));
        actions.appendChild(q.id === on
          ? b(t("Off projector"), "screen", "clear_screen", t("Projector cleared."))
          : b(t("On projector"), "screen", "put_on_screen", t("Question on the projector.")));
      }
      return el("li", { className: "qna-q" + (q.answered ? " answered" : "") }, [
        el("p", textAttrs(q, { className: "qna-text", id: textId, text: q.text })),
        el("p", { className: "qna-meta" }, badges.concat([meta.join(" · ")])),
        actions
      ]);
    }
    function section(title, list) {
      if (!list.length) return null;
      return el("section", { className: "qna-section" }, [
        el("h4", { text: api.fmt(title, [list.length]) }),
        el("ol", { className: "qna-list" }, list.map(function (r) { return row(r.q); }))
      ]);
    }
    var by = function (status) {
      return items.filter(function (q) { return q.status === status; }).map(function (q) { return { q: q }; });
    };
    var mode = sortBy[activity.id] || "votes";
    box.setAttribute("aria-live", "off"); // moderation is announced through api.moderate's note
    keepFocus(box, function () {
      fill(box, [
        on ? el("p", {}, [button(api, t("Clear the projector"), "clear", null, null, function () {
          moderate("clear_screen", null, t("Projector cleared."));
        })]) : null,
        items.length ? null : el("p", { className: "muted", text: t("No questions yet.") }),
        section(t("Awaiting approval (%s)"), sorted(by("pending"), "time", null).reverse()),
        items.some(function (q) { return q.status === "visible"; }) ? sortBar(api, activity, redraw) : null,
        section(t("Questions (%s)"), sorted(by("visible"), mode, votes)),
        section(t("Hidden (%s)"), sorted(by("hidden"), "time", null))
      ]);
    });
  }

  /* ------------------------------------------------------------ plugin */

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.qna = {
    build: build,
    update: update,
    results: function (api, box, activity, tally) {
      if (api.role === "facilitator") drawConsole(api, box, activity, tally);
      else if (api.role === "screen") drawScreen(api, box, activity, tally);
      else box.replaceChildren(); // participants: the list lives in the form (update)
    },
    applyItem: function (api, activity, data) {
      if (Object.prototype.hasOwnProperty.call(data, "on_screen")) {
        activity.config.on_screen = data.on_screen;
        return;
      }
      // Kept in the protocol's order (questions by id), as a fresh snapshot has them.
      var items = activity.items || (activity.items = []);
      var id = data.question ? data.question.id : data.removed;
      var at = -1, after = 0;
      items.forEach(function (q, i) {
        if (q.id === id) at = i;
        if (q.id < id) after = i + 1;
      });
      if (data.question) {
        if (at >= 0) items[at] = data.question; else items.splice(after, 0, data.question);
      } else if (at >= 0) items.splice(at, 1);
      if (api.role !== "participant") return;
      // Keep the asker's own copy in step: approved, answered or hidden meanwhile.
      mine(api, activity).questions.forEach(function (own) {
        if (own.id !== id) return;
        if (data.question) {
          if (own.status === "pending") api.announce(api.t("Your question is now visible to everyone."));
          if (data.question.answered && !own.answered) api.announce(api.t("Your question was marked answered."));
          own.status = "visible";
          own.answered = data.question.answered;
        } else {
          own.status = "hidden";
        }
      });
    },
    countLabel: function (api, count) { return api.fmt(api.nt("%s question", "%s questions", count), [count]); }
  };
})();
