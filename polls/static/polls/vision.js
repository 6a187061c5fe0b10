/* Vision voting in the live room: dot vote, impact-feasibility 2x2 grid and statement
 * ranking (polls/vision.py). Registers in window.LiveKinds; room.js passes its api.
 * DOM built with textContent only; the grid is SVG made with createElementNS. */
(function () {
  "use strict";

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
        var row = api.el("div", { className: "scale" });
        for (var v = 1; v <= 5; v++) {
          var id = name + "-" + v;
          var radio = api.el("input", { type: "radio", name: name, id: id, value: String(v) });
          radio.checked = !!mine[String(i)] && mine[String(i)][axis] === v;
          var end = v === 1 ? api.t("low") : v === 5 ? api.t("high") : "";
          row.appendChild(api.el("span", { className: "step" }, [radio, api.el("label", { for: id, text: String(v) }, [
            end ? api.el("span", { className: "visually-hidden", text: " (" + end + ")" }) : null
          ])]));
        }
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
    var order = drafts[activity.id];
    var locked = list.closest("form") && list.closest("form").dataset.locked === "true";
    list.replaceChildren();
    order.forEach(function (index, position) {
      var s = activity.config.statements[index];
      var up = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s up"), [s.text]), text: "↑" });
      var down = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s down"), [s.text]), text: "↓" });
      up.disabled = locked || position === 0;
      down.disabled = locked || position === order.length - 1;
      up.addEventListener("click", function () { move(api, activity, list, position, -1); });
      down.addEventListener("click", function () { move(api, activity, list, position, 1); });
      list.appendChild(api.el("li", {}, [api.el("span", { className: "vision-statement" }, statement(api, s)), up, down]));
    });
  }

  function move(api, activity, list, position, delta) {
    var order = drafts[activity.id];
    var target = position + delta;
    var index = order.splice(position, 1)[0];
    order.splice(target, 0, index);
    drawRanking(api, activity, list);
    var buttons = list.children[target].querySelectorAll("button");
    var keep = delta < 0 ? buttons[0] : buttons[1];
    (keep.disabled ? (delta < 0 ? buttons[1] : buttons[0]) : keep).focus();
    api.announce(api.fmt(api.t("%s is now number %s"), [activity.config.statements[index].text, target + 1]));
  }

  /* ------------------------------------------------------------ results */

  // The groups with respondents, side by side; a hidden group says "fewer than 5".
  function groups(tally) {
    return (tally.by_group || []).filter(function (g) { return g.respondents > 0; });
  }

  function groupValue(api, g, index, value) {
    if (g.hidden) return api.t("fewer than 5");
    var row = (g.statements || []).filter(function (r) { return r.index === index; })[0];
    return row ? value(row) : "–";
  }

  function table(api, caption, head, rows, tally, value, extraClass) {
    var shown = groups(tally);
    var headRow = head.concat(shown.map(function (g) { return api.fmt(api.t("%s (%s)"), [g.label, g.respondents]); }));
    var cells = rows.map(function (r) {
      return r.cells.concat(shown.map(function (g) {
        var text = groupValue(api, g, r.index, value);
        return api.el("td", { className: g.hidden ? "group hidden-group" : "group", text: String(text) });
      }));
    });
    var node = api.resultsTable(caption, headRow, cells, extraClass ? "vision-tally " + extraClass : "vision-tally");
    Array.prototype.forEach.call(node.tBodies[0].rows, function (tr, i) { tr.dataset.index = String(rows[i].index); });
    return api.el("div", { className: "table-scroll", tabindex: "0", role: "region", "aria-label": caption }, [node]);
  }

  function labelWithBar(api, s, share) {
    return statement(api, s).concat([api.bar(share)]);
  }

  function dotResults(api, activity, tally) {
    var top = Math.max(1, tally.statements.length ? tally.statements[0].dots : 1);
    var rows = tally.statements.map(function (r) {
      var s = activity.config.statements[r.index];
      return { index: r.index, cells: [labelWithBar(api, s, r.dots / top * 100), r.dots, r.voters] };
    });
    var caption = api.fmt(api.t("Results: %s dots from %s voters"), [tally.dots, tally.total]);
    return [table(api, caption, [api.t("Statement"), api.t("Dots"), api.t("Voters")], rows, tally, function (r) { return r.dots; })];
  }

  function rankingResults(api, activity, tally) {
    var top = Math.max(1, tally.statements.length ? tally.statements[0].borda : 1);
    var rows = tally.statements.map(function (r) {
      var s = activity.config.statements[r.index];
      return { index: r.index, cells: [labelWithBar(api, s, r.borda / top * 100), r.borda, r.mean_rank === null ? "–" : r.mean_rank] };
    });
    return [table(api, api.t("Results (Borda score: first place scores most)"), [api.t("Statement"), api.t("Borda score"), api.t("Mean rank")], rows, tally, function (r) { return r.borda; })];
  }

  var QUADRANTS = {
    quick_wins: function (api) { return api.t("Quick wins"); },
    major_projects: function (api) { return api.t("Major projects"); },
    fill_ins: function (api) { return api.t("Fill-ins"); },
    reconsider: function (api) { return api.t("Reconsider"); }
  };

  function spread(mean, sd) { return mean === null ? "–" : mean + " ± " + sd; }

  function gridResults(api, activity, tally) {
    var rows = tally.statements.map(function (r) {
      var s = activity.config.statements[r.index];
      return { index: r.index, cells: [
        [api.el("span", { className: "point-number", text: String(r.index + 1) + ". " })].concat(statement(api, s)),
        spread(r.impact, r.impact_sd), spread(r.feasibility, r.feasibility_sd), r.n,
        r.quadrant ? QUADRANTS[r.quadrant](api) : "–"
      ] };
    });
    var head = [api.t("Statement"), api.t("Impact (mean ± spread)"), api.t("Feasibility (mean ± spread)"), api.t("Responses"), api.t("Quadrant")];
    var caption = api.fmt(api.t("Results from %s respondents (1 low to 5 high)"), [tally.total]);
    return [grid(api, tally), table(api, caption, head, rows, tally, function (r) {
      return r.impact === null ? "–" : api.fmt(api.t("impact %s, feasibility %s"), [r.impact, r.feasibility]);
    }, "grid-table")];
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

  function results(api, box, activity, tally) {
    if (!tally) {
      var parts = [];
      if (api.role === "facilitator" && activity.status === "draft") {
        parts.push(api.el("p", { className: "muted", text: api.fmt(api.nt("%s statement, to vote on once opened:", "%s statements, to vote on once opened:", activity.config.statements.length), [activity.config.statements.length]) }));
        parts.push(api.el("ol", { className: "vision-list" }, activity.config.statements.map(function (s) { return api.el("li", {}, statement(api, s)); })));
      } else if (api.role === "participant") {
        parts.push(api.el("p", { className: "muted", text: api.t("Results will be shown when the facilitator allows it.") }));
      }
      box.replaceChildren.apply(box, parts);
      return;
    }
    var draw = activity.kind === "dot_vote" ? dotResults : activity.kind === "impact_feasibility" ? gridResults : rankingResults;
    box.replaceChildren.apply(box, draw(api, activity, tally));
  }

  function plugin(build, redraw, unit) {
    return {
      build: build,
      update: function (api, activity) {
        api.refreshVoteForm(activity, redraw ? function (form) { redraw(api, activity, form); } : null);
      },
      results: results,
      countLabel: function (api, n) { return api.fmt(unit(api, n), [n]); }
    };
  }

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.dot_vote = plugin(buildDots, drawDots, function (api, n) { return api.nt("%s voter", "%s voters", n); });
  window.LiveKinds.impact_feasibility = plugin(buildRatings, null, function (api, n) { return api.nt("%s respondent", "%s respondents", n); });
  window.LiveKinds.statement_ranking = plugin(buildRanking, function (api, activity, form) {
    drawRanking(api, activity, form.querySelector("ol"));
  }, function (api, n) { return api.nt("%s ranking", "%s rankings", n); });
})();
