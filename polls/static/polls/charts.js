/* Drawing shared by the poll kinds (polls.js) and vision voting (vision.js): the
 * plugin shape, the participant's wait, result tables with bars and one column per
 * stakeholder group (small multiples), the word cloud, lists on the projector cut to
 * what fits its results box, a ranking being composed and the steps of a scale.
 * Loaded before both (PollKind.script_requires); registers window.LivePollCharts.
 * DOM built with textContent only, through room.js's api. */
(function () {
  "use strict";

  /* ------------------------------------------------------------ plugin */

  // What every kind of this app registers in window.LiveKinds: its participant form
  // (build), the form brought up to date (redraw(api, activity, form) after it
  // unlocks), its results and its count label.
  function plugin(build, redraw, results, countLabel) {
    return {
      build: build,
      update: function (api, activity) {
        var active = document.activeElement;
        var form = api.refreshVoteForm(activity, redraw ? function (form) { redraw(api, activity, form); } : null);
        // Locking the form (a vote that cannot be changed, the question closed) disables
        // the control under the focus: it goes to the form's status line, not the page.
        if (form && active && active.disabled && form.contains(active)) {
          var line = form.querySelector(".confirmation");
          line.setAttribute("tabindex", "-1");
          line.focus();
        }
      },
      results: results,
      countLabel: countLabel
    };
  }

  // A participant's results box while results are hidden from them.
  function waiting(api, box) {
    box.replaceChildren(api.el("p", { className: "muted", text: api.t("Results will be shown when the facilitator allows it.") }));
  }

  /* ------------------------------------------------------------ results tables */

  // The largest of numbers (at least 1) and a number's share of it (0-100), for bars
  // that show each figure against the largest.
  function most(numbers) { return Math.max.apply(null, [1].concat(numbers)); }
  function share(value, top) { return value > 0 ? value / top * 100 : 0; }

  // The stakeholder groups of a tally's by_group that have respondents (a group with
  // fewer than 5 comes with "hidden": its figures are left out on the server).
  function groups(tally) {
    return ((tally && tally.by_group) || []).filter(function (g) { return g.respondents > 0; });
  }

  function groupCell(api, g, value) {
    if (g.hidden) return api.el("td", { className: "group hidden-group", text: api.t("fewer than 5") });
    if (!value) return api.el("td", { className: "group", text: "–" });
    return api.el("td", { className: "group" }, [String(value.text), value.share === undefined ? null : api.bar(value.share)]);
  }

  // A results table (api.resultsTable): one row per entry, its label with a bar, its
  // figures, and with a tally carrying by_group one column per stakeholder group, side
  // by side, each with its own figure and bar (group(g, key) gives {text, share} of
  // the entry in group g, or null). spec: {caption, head, rows: [{key, label (nodes),
  // share (null: no bar), cells}], tally, group, extraClass, scroll}. The table is wrapped in a
  // scrollable region when it has group columns (or spec.scroll).
  function table(api, spec) {
    var shown = spec.group ? groups(spec.tally) : [];
    var head = spec.head.concat(shown.map(function (g) { return api.fmt(api.t("%s (%s)"), [g.label, g.respondents]); }));
    var rows = spec.rows.map(function (r) {
      return [[].concat(r.label, r.share === null ? [] : [api.bar(r.share)])].concat(r.cells, shown.map(function (g) {
        return groupCell(api, g, g.hidden ? null : spec.group(g, r.key));
      }));
    });
    var classes = ["fit-list"];
    if (shown.length) classes.push("by-group");
    if (spec.extraClass) classes.push(spec.extraClass);
    var node = api.resultsTable(spec.caption, head, rows, classes.join(" "));
    Array.prototype.forEach.call(node.tBodies[0].rows, function (tr, i) { tr.dataset.key = String(spec.rows[i].key); });
    if (!shown.length && !spec.scroll) return node;
    return api.el("div", { className: "table-scroll", tabindex: "0", role: "region", "aria-label": spec.caption }, [node]);
  }

  // The body rows of a table drawn by table(), in order: what fit() may cut.
  function bodyRows(node) {
    var t = node.tagName === "TABLE" ? node : node.querySelector("table");
    return Array.prototype.slice.call(t.tBodies[0].rows);
  }

  /* ------------------------------------------------------------ word cloud */

  // Where the i-th largest word goes in the row: the largest in the middle, the next
  // ones alternately before and after it (CSS order; the list itself stays largest
  // first for screen readers).
  function middleOut(i) { return i % 2 ? -(i + 1) / 2 : i / 2; }

  // The words (largest count first, as the tally sends them) as a list, each in one of
  // five sizes by its count on a log scale between the smallest and largest count;
  // wrapped and centred, so no two overlap.
  function cloud(api, words) {
    var high = words.length ? Math.log(words[0].count) : 0;
    var low = words.length ? Math.log(words[words.length - 1].count) : 0;
    var list = api.el("ul", { className: "word-cloud fit-list", "aria-label": api.t("Entries, most frequent first") });
    words.forEach(function (w, i) {
      var step = high > low ? 1 + Math.round(4 * (Math.log(w.count) - low) / (high - low)) : 3;
      var item = api.el("li", { className: "w w" + step }, [
        api.el("span", { className: "w-text", text: w.text }),
        api.el("span", { className: "visually-hidden", text: " (" + api.fmt(api.nt("%s entry", "%s entries", w.count), [w.count]) + ")" })
      ]);
      item.dataset.count = String(w.count);
      item.style.order = String(middleOut(i));
      list.appendChild(item);
    });
    return list;
  }

  /* ------------------------------------------------------------ the projector */

  // A list of what is to be answered (options, statements) for the projector before
  // results are shown: items are arrays of nodes and strings.
  function preview(api, items, extraClass) {
    return api.el("ul", { className: "poll-preview fit-list" + (extraClass ? " " + extraClass : "") }, items.map(function (nodes) {
      return api.el("li", {}, nodes);
    }));
  }

  // Whether the results box shows less than its content: past its own height (the
  // projector's layout gives it the room left) or past the bottom of the window.
  function overflows(box) {
    if (box.scrollHeight > box.clientHeight + 1) return true;
    return box.getBoundingClientRect().bottom > document.documentElement.clientHeight + 1;
  }

  // On the projector: show as many of items (nodes already in box, most telling first)
  // as fit the box, and "+ k more" for the others; again when the window is resized.
  // Elsewhere the page scrolls and everything is shown. (room.js then leaves out
  // whatever still crosses the box's edge, e.g. group columns of a wide table.)
  function fit(api, box, items) {
    if (api.role !== "screen" || !items.length) return;
    var more = api.el("p", { className: "more muted" });
    box.appendChild(more);
    function show(n) {
      items.forEach(function (item, i) { item.hidden = i >= n; });
      more.hidden = n >= items.length;
      more.textContent = api.fmt(api.nt("+ %s more", "+ %s more", items.length - n), [items.length - n]);
    }
    function run() {
      show(items.length);
      if (!box.isConnected || !box.getClientRects().length || !overflows(box)) return;
      // The largest n that fits, at least one (binary search: a few layouts, not n).
      var lo = 1, hi = items.length - 1;
      while (lo < hi) {
        var mid = Math.ceil((lo + hi) / 2);
        show(mid);
        if (overflows(box)) hi = mid - 1; else lo = mid;
      }
      show(lo);
    }
    more.dataset.pollFit = "";
    more.pollFit = run;
    run();
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      document.querySelectorAll("p.more[data-poll-fit]").forEach(function (more) { more.pollFit(); });
    }, 100);
  });

  /* ------------------------------------------------------------ participant forms */

  // A ranking being composed: order (indexes, best first) is edited in place by up and
  // down buttons; label(index) names an entry, content(index) draws it. The focus
  // follows the moved entry and its new place is announced. Buttons stay disabled
  // while the list's form is locked (api.refreshVoteForm).
  function orderList(api, list, order, label, content) {
    var form = list.closest("form");
    var locked = !!form && form.dataset.locked === "true";
    list.replaceChildren();
    order.forEach(function (index, position) {
      var up = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s up"), [label(index)]), text: "↑" });
      var down = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s down"), [label(index)]), text: "↓" });
      up.disabled = locked || position === 0;
      down.disabled = locked || position === order.length - 1;
      up.addEventListener("click", function () { move(position, -1); });
      down.addEventListener("click", function () { move(position, 1); });
      list.appendChild(api.el("li", {}, [content(index), up, down]));
    });
    function move(position, delta) {
      var target = position + delta;
      var index = order.splice(position, 1)[0];
      order.splice(target, 0, index);
      orderList(api, list, order, label, content);
      var buttons = list.children[target].querySelectorAll("button");
      var keep = delta < 0 ? buttons[0] : buttons[1];
      (keep.disabled ? (delta < 0 ? buttons[1] : buttons[0]) : keep).focus();
      api.announce(api.fmt(api.t("%s is now number %s"), [label(index), target + 1]));
    }
  }

  // A row of radio buttons from low to high (div.scale) named name, checked at the
  // value checked; end(v) is read after the number of an end value ("" for none).
  function scaleSteps(api, name, low, high, checked, end) {
    var row = api.el("div", { className: "scale" });
    for (var v = low; v <= high; v++) {
      var id = name + "-" + v;
      var radio = api.el("input", { type: "radio", name: name, id: id, value: String(v) });
      radio.checked = checked === v;
      var extra = end(v);
      row.appendChild(api.el("span", { className: "step" }, [radio, api.el("label", { for: id, text: String(v) }, [
        extra ? api.el("span", { className: "visually-hidden", text: extra }) : null
      ])]));
    }
    return row;
  }

  window.LivePollCharts = {
    plugin: plugin,
    waiting: waiting,
    most: most,
    share: share,
    groups: groups,
    table: table,
    bodyRows: bodyRows,
    cloud: cloud,
    preview: preview,
    fit: fit,
    orderList: orderList,
    scaleSteps: scaleSteps
  };
})();
