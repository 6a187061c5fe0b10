/* Vision voting in the live room: dot vote, impact-feasibility 2x2 grid and statement
 * ranking (polls/vision.py). Registers in window.LiveKinds; room.js passes its api.
 * Drawing shared with polls.js is in charts.js (window.LivePollCharts, loaded first).
 * DOM built with textContent only; the grid is SVG made with createElementNS. */
(function () {
  "use strict";

  var C = window.LivePollCharts;
  var SVG = "http://www.w3.org/2000/svg";
  var drafts = {}; // activity id -> what the participant is composing

  function tag(api, s) {
    if (s.type === "milestone") return api.fmt(api.t("Milestone %s"), [s.horizon]);
    if (s.type === "action") {
      var actors = { policy: api.t("Policy makers"), industry: api.t("Industry"), civil_society: api.t("Civil society") };
      return api.fmt(api.t("Action: %s"), [actors[s.actor] || s.actor]);
    }
    return api.t("Vision");
  }

  function statement(api, s) {
    return [api.el("span", { className: "vision-tag", text: tag(api, s) }), " ", api.el("span", { className: "vision-text", text: s.text })];
  }

  /* ------------------------------------------------------------ participant forms */

  // The answer form every vote kind shares (room.js): hint, body, send button and
  // confirmation line; the class names the kind for this file's styles.
  function shell(api, activity, hint, body, collect) {
    return api.voteForm(activity, hint, body, collect, "vision " + activity.kind);
  }

  // Dot vote: +/- per statement, "N dots left" announced as it changes.
  function buildDots(api, activity) {
    var cfg = activity.config;
    var mine = api.mine(activity) || {};
    var draft = cfg.statements.map(function (_, i) { return mine[String(i)] || 0; });
    drafts[activity.id] = draft;
    var left = api.el("p", { className: "dots-left", "aria-live": "polite" });
    var list = api.el("ul", { className: "vision-dots" });
    cfg.statements.forEach(function (s, i) {
      var minus = api.el("button", { type: "button", className: "small minus", "aria-label": api.fmt(api.t("Remove a dot from “%s”"), [s.text]), text: "−" });
      var plus = api.el("button", { type: "button", className: "small plus", "aria-label": api.fmt(api.t("Add a dot to “%s”"), [s.text]), text: "+" });
      var count = api.el("span", { className: "dot-count" });
      minus.addEventListener("click", function () { change(api, activity, i, -1, minus, plus); });
      plus.addEventListener("click", function () { change(api, activity, i, 1, plus, minus); });
      list.appendChild(api.el("li", {}, [
        api.el("div", { className: "vision-statement" }, statement(api, s)),
        api.el("div", { className: "dot-controls" }, [minus, count, plus])
      ]));
    });
    var hint = api.fmt(api.t("Spread %s dots over the statements, at most %s on one"), [cfg.dots, cfg.max_per_statement]);
    var form = shell(api, activity, hint, [left, list], function () {
      var data = {};
      drafts[activity.id].forEach(function (n, i) { if (n > 0) data[String(i)] = n; });
      if (!Object.keys(data).length) { api.alert(api.t("Place at least one dot first.")); return null; }
      return data;
    });
    drawDots(api, activity, form);
    return form;
  }

  function change(api, activity, index, delta, button, other) {
    var draft = drafts[activity.id];
    draft[index] = Math.max(0, draft[index] + delta);
    var form = button.closest("form");
    drawDots(api, activity, form);
    if (button.disabled) other.focus(); // keep the focus on a usable control
  }

  function drawDots(api, activity, form) {
    var cfg = activity.config;
    var draft = drafts[activity.id];
    var used = draft.reduce(function (a, b) { return a + b; }, 0);
    var left = cfg.dots - used;
    var locked = form.dataset.locked === "true";
    form.querySelector(".dots-left").textContent = api.fmt(api.nt("%s dot left", "%s dots left", left), [left]);
    form.querySelectorAll(".vision-dots li").forEach(function (li, i) {
      var n = draft[i];
      li.querySelector(".dot-count").replaceChildren(
        document.createTextNode(String(n)),
        api.el("span", { className: "visually-hidden", text: " " + api.nt("dot", "dots", n) })
      );
      li.classList.toggle("has-dots", n > 0);
      li.querySelector(".minus").disabled = locked || n === 0;
      li.querySelector(".plus").disabled = locked || left <= 0 || n >= cfg.max_per_statement;
    });
  }

  // 2x2: two 1-5 radio groups per statement; statements may be left unrated.
  var AXES = ["impact", "feasibility"];

  function buildRatings(api, activity) {
    var mine = api.mine(activity) || {};
    var body = activity.config.statements.map(function (s, i) {
      var groups = AXES.map(function (axis) {
        var name = "a" + activity.id + "-" + i + "-" + axis;
        var row = C.scaleSteps(api, name, 1, 5, mine[String(i)] ? mine[String(i)][axis] : null, function (v) {
          return v === 1 ? " (" + api.t("low") + ")" : v === 5 ? " (" + api.t("high") + ")" : "";
        });
        var legend = axis === "impact" ? api.t("Impact") : api.t("Feasibility");
        return api.el("fieldset", { className: "axis" }, [api.el("legend", { text: legend }), row]);
      });
      return api.el("fieldset", { className: "rating" }, [api.el("legend", {}, statement(api, s))].concat(groups));
    });
    return shell(api, activity, api.t("Rate each statement from 1 (low) to 5 (high); skip those you cannot judge"), body, function () {
      var data = {}, missing = null;
      activity.config.statements.forEach(function (s, i) {
        var picked = {};
        AXES.forEach(function (axis) {
          var checked = document.querySelector('input[name="a' + activity.id + "-" + i + "-" + axis + '"]:checked');
          if (checked) picked[axis] = parseInt(checked.value, 10);
        });
        var n = Object.keys(picked).length;
        if (n === 2) data[String(i)] = picked;
        else if (n === 1 && missing === null) missing = s.text;
      });
      if (missing !== null) { api.alert(api.fmt(api.t("Rate both impact and feasibility of “%s”."), [missing])); return null; }
      if (!Object.keys(data).length) { api.alert(api.t("Rate at least one statement first.")); return null; }
      return data;
    });
  }

  // Ranking: up/down buttons, as the ranking poll.
  function buildRanking(api, activity) {
    var mine = api.mine(activity);
    drafts[activity.id] = (mine || activity.config.statements.map(function (_, i) { return i; })).slice();
    var list = api.el("ol", { className: "ranking vision-ranking", role: "list" });
    var form = shell(api, activity, api.t("Put the statements in order, most important first"), [list], function () {
      return drafts[activity.id].slice();
    });
    drawRanking(api, activity, list);
    return form;
  }

  function drawRanking(api, activity, list) {
    var statements = activity.config.statements;
    C.orderList(api, list, drafts[activity.id], function (i) { return statements[i].text; }, function (i) {
      return api.el("span", { className: "vision-statement" }, statement(api, statements[i]));
    });
  }

  /* ------------------------------------------------------------ results */

  // One row per statement (best first, as the tally sends them) with its label, bar
  // share and figures, and one column per stakeholder group (LivePollCharts):
  // value(row) is a statement's figure in a group, groupShare(row, rows) its bar there.
  function table(api, activity, spec) {
    var statements = activity.config.statements;
    return C.table(api, {
      caption: spec.caption,
      head: spec.head,
      rows: spec.tally.statements.map(function (r) {
        return { key: r.index, label: spec.label(r, statements[r.index]), share: spec.share(r), cells: spec.cells(r) };
      }),
      tally: spec.tally,
      group: function (g, index) {
        var row = (g.statements || []).filter(function (r) { return r.index === index; })[0];
        if (!row) return null;
        return { text: spec.value(row), share: spec.groupShare ? spec.groupShare(row, g.statements) : undefined };
      },
      extraClass: "vision-tally" + (spec.extraClass ? " " + spec.extraClass : ""),
      scroll: true
    });
  }

  function dotResults(api, activity, tally) {
    var top = C.most(tally.statements.map(function (r) { return r.dots; }));
    return [table(api, activity, {
      tally: tally,
      caption: api.fmt(api.t("Results: %s dots from %s voters"), [tally.dots, tally.total]),
      head: [api.t("Statement"), api.t("Dots"), api.t("Voters")],
      label: function (r, s) { return statement(api, s); },
      share: function (r) { return C.share(r.dots, top); },
      cells: function (r) { return [r.dots, r.voters]; },
      value: function (r) { return String(r.dots); },
      groupShare: function (r, rows) { return C.share(r.dots, C.most(rows.map(function (x) { return x.dots; }))); }
    })];
  }

  function rankingResults(api, activity, tally) {
    var top = C.most(tally.statements.map(function (r) { return r.borda; }));
    return [table(api, activity, {
      tally: tally,
      caption: api.t("Results (Borda score: first place scores most)"),
      head: [api.t("Statement"), api.t("Borda score"), api.t("Mean rank")],
      label: function (r, s) { return statement(api, s); },
      share: function (r) { return C.share(r.borda, top); },
      cells: function (r) { return [r.borda, r.mean_rank === null ? "–" : num(r.mean_rank)]; },
      value: function (r) { return String(r.borda); },
      groupShare: function (r, rows) { return C.share(r.borda, C.most(rows.map(function (x) { return x.borda; }))); }
    })];
  }

  var QUADRANTS = {
    quick_wins: function (api) { return api.t("Quick wins"); },
    major_projects: function (api) { return api.t("Major projects"); },
    fill_ins: function (api) { return api.t("Fill-ins"); },
    reconsider: function (api) { return api.t("Reconsider"); }
  };

  // Numbers in the page's language (frontend/locale.js).
  function num(v) { return window.LiveLocale ? window.LiveLocale.number(v) : String(v); }
  function spread(mean, sd) { return mean === null ? "–" : num(mean) + " ± " + num(sd); }

  function gridResults(api, activity, tally) {
    var node = table(api, activity, {
      tally: tally,
      caption: api.fmt(api.t("Results from %s respondents (1 low to 5 high)"), [tally.total]),
      head: [api.t("Statement"), api.t("Impact (mean ± spread)"), api.t("Feasibility (mean ± spread)"), api.t("Responses"), api.t("Quadrant")],
      label: function (r, s) { return [api.el("span", { className: "point-number", text: String(r.index + 1) + ". " })].concat(statement(api, s)); },
      share: function () { return null; },
      cells: function (r) {
        return [spread(r.impact, r.impact_sd), spread(r.feasibility, r.feasibility_sd), r.n, r.quadrant ? QUADRANTS[r.quadrant](api) : "–"];
      },
      value: function (r) { return r.impact === null ? "–" : api.fmt(api.t("impact %s, feasibility %s"), [num(r.impact), num(r.feasibility)]); },
      extraClass: "grid-table"
    });
    return [api.el("div", { className: "grid-results" }, [grid(api, tally), node])];
  }

  function svg(name, attrs, children) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // Feasibility on x, impact on y, both 1-5; the middle (3) splits the quadrants.
  var LOW = 50, HIGH = 350, SIZE = 380;
  function px(value) { return LOW + (Math.max(1, Math.min(5, value)) - 1) / 4 * (HIGH - LOW); }
  function py(value) { return HIGH - (Math.max(1, Math.min(5, value)) - 1) / 4 * (HIGH - LOW); }

  function grid(api, tally) {
    var mid = px(3);
    var title = api.t("Impact and feasibility grid: points are mean ratings, bars show the spread. The table below lists the same figures.");
    var parts = [
      svg("title", { text: title }),
      svg("rect", { x: mid, y: LOW, width: HIGH - mid, height: mid - LOW, "class": "q quick_wins" }),
      svg("rect", { x: LOW, y: LOW, width: mid - LOW, height: mid - LOW, "class": "q major_projects" }),
      svg("rect", { x: mid, y: mid, width: HIGH - mid, height: HIGH - mid, "class": "q fill_ins" }),
      svg("rect", { x: LOW, y: mid, width: mid - LOW, height: HIGH - mid, "class": "q reconsider" }),
      svg("line", { x1: mid, y1: LOW, x2: mid, y2: HIGH, "class": "axis-mid" }),
      svg("line", { x1: LOW, y1: mid, x2: HIGH, y2: mid, "class": "axis-mid" }),
      svg("rect", { x: LOW, y: LOW, width: HIGH - LOW, height: HIGH - LOW, "class": "frame" }),
      svg("text", { x: HIGH - 6, y: LOW + 18, "text-anchor": "end", "class": "q-label", text: QUADRANTS.quick_wins(api) }),
      svg("text", { x: LOW + 6, y: LOW + 18, "class": "q-label", text: QUADRANTS.major_projects(api) }),
      svg("text", { x: HIGH - 6, y: HIGH - 8, "text-anchor": "end", "class": "q-label", text: QUADRANTS.fill_ins(api) }),
      svg("text", { x: LOW + 6, y: HIGH - 8, "class": "q-label", text: QUADRANTS.reconsider(api) }),
      svg("text", { x: (LOW + HIGH) / 2, y: SIZE - 6, "text-anchor": "middle", "class": "axis-label", text: api.t("Feasibility →") }),
      svg("text", { x: 16, y: (LOW + HIGH) / 2, "text-anchor": "middle", transform: "rotate(-90 16 " + (LOW + HIGH) / 2 + ")", "class": "axis-label", text: api.t("Impact →") })
    ];
    [1, 2, 3, 4, 5].forEach(function (v) {
      parts.push(svg("text", { x: px(v), y: HIGH + 16, "text-anchor": "middle", "class": "tick", text: String(v) }));
      parts.push(svg("text", { x: LOW - 8, y: py(v) + 4, "text-anchor": "end", "class": "tick", text: String(v) }));
    });
    tally.statements.forEach(function (r) {
      if (!r.n) return;
      var x = px(r.feasibility), y = py(r.impact);
      parts.push(svg("g", { "class": "point" }, [
        svg("line", { x1: px(r.feasibility - r.feasibility_sd), y1: y, x2: px(r.feasibility + r.feasibility_sd), y2: y, "class": "spread" }),
        svg("line", { x1: x, y1: py(r.impact - r.impact_sd), x2: x, y2: py(r.impact + r.impact_sd), "class": "spread" }),
        svg("circle", { cx: x, cy: y, r: 11 }),
        svg("text", { x: x, y: y + 4, "text-anchor": "middle", text: String(r.index + 1) })
      ]));
    });
    return svg("svg", { "class": "vision-grid", viewBox: "0 0 " + SIZE + " " + SIZE, role: "img", "aria-label": title, focusable: "false" }, parts);
  }

  // Before results: the statements (a draft on the console; the projector until the
  // facilitator shows results there); participants wait.
  function statements(api, activity) {
    var list = activity.config.statements;
    var intro = api.fmt(api.nt("%s statement, to vote on once opened:", "%s statements, to vote on once opened:", list.length), [list.length]);
    return [
      api.role === "facilitator" ? api.el("p", { className: "muted", text: intro }) : null,
      C.preview(api, list.map(function (s) { return statement(api, s); }), "vision-list")
    ];
  }

  function results(api, box, activity, tally) {
    if (!tally) {
      if (api.role === "participant") { C.waiting(api, box); return; }
      if (api.role === "screen" || activity.status === "draft") {
        var parts = statements(api, activity);
        box.replaceChildren.apply(box, parts.filter(function (p) { return p; }));
        C.fit(api, box, Array.prototype.slice.call(parts[1].children));
      } else box.replaceChildren();
      return;
    }
    var draw = activity.kind === "dot_vote" ? dotResults : activity.kind === "impact_feasibility" ? gridResults : rankingResults;
    box.replaceChildren.apply(box, draw(api, activity, tally));
    C.fit(api, box, C.bodyRows(box.querySelector("table")));
  }

  function plugin(build, redraw, unit) {
    return C.plugin(build, redraw, results, function (api, n) { return api.fmt(unit(api, n), [n]); });
  }

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.dot_vote = plugin(buildDots, drawDots, function (api, n) { return api.nt("%s voter", "%s voters", n); });
  window.LiveKinds.impact_feasibility = plugin(buildRatings, null, function (api, n) { return api.nt("%s respondent", "%s respondents", n); });
  window.LiveKinds.statement_ranking = plugin(buildRanking, function (api, activity, form) {
    drawRanking(api, activity, form.querySelector("ol"));
  }, function (api, n) { return api.nt("%s ranking", "%s rankings", n); });
})();
