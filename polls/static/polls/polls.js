/* The poll kinds in the live room (polls/kinds.py): single choice, multiple choice,
 * scale, word cloud and ranking. Registers in window.LiveKinds; room.js passes its api
 * (the shared answer form api.voteForm / api.refreshVoteForm and api.resultsTable).
 * Drawing shared with vision.js is in charts.js (window.LivePollCharts, loaded first).
 * DOM built with textContent only. */
(function () {
  "use strict";

  var C = window.LivePollCharts;
  var drafts = {}; // activity id -> the order a participant is composing (ranking)

  /* ------------------------------------------------------------ participant forms */

  // Choices: radio buttons (single) or checkboxes (multiple, at most max_choices).
  function buildChoices(api, activity) {
    var multi = activity.kind === "multiple_choice";
    var cfg = activity.config;
    var ballot = api.mine(activity);
    var name = "a" + activity.id;
    var body = cfg.options.map(function (label, i) {
      var id = name + "-" + i;
      var input = api.el("input", { type: multi ? "checkbox" : "radio", name: name, id: id, value: String(i) });
      input.checked = multi ? (ballot || []).indexOf(i) >= 0 : ballot === i;
      return api.el("div", { className: "choice" }, [input, api.el("label", { for: id, text: label })]);
    });
    var hint = multi ? api.fmt(api.t("Choose up to %s options"), [cfg.max_choices]) : api.t("Choose one option");
    var form = api.voteForm(activity, hint, body, function () {
      if (!multi) return picked(api, form);
      var data = [];
      form.querySelectorAll("input").forEach(function (i) { if (i.checked) data.push(parseInt(i.value, 10)); });
      if (!data.length) { api.alert(api.t("Choose an answer first.")); return null; }
      if (data.length > cfg.max_choices) {
        api.alert(api.fmt(api.t("Choose at most %s options."), [cfg.max_choices]));
        return null;
      }
      return data;
    });
    if (multi) form.addEventListener("change", function () { limitChoices(form, activity); });
    return form;
  }

  // The value of the checked radio button, or null after asking for one.
  function picked(api, form) {
    var input = form.querySelector("input:checked");
    if (!input) { api.alert(api.t("Choose an answer first.")); return null; }
    return parseInt(input.value, 10);
  }

  function limitChoices(form, activity) {
    // The server refuses more than max_choices; say so in the form too.
    var boxes = form.querySelectorAll("input[type=checkbox]");
    var full = form.querySelectorAll("input:checked").length >= activity.config.max_choices;
    boxes.forEach(function (b) { if (!b.checked) b.disabled = full; });
  }

  // Scale: one radio button per value; the end labels are part of the end values' names.
  function buildScale(api, activity) {
    var cfg = activity.config;
    var row = C.scaleSteps(api, "a" + activity.id, cfg.min, cfg.max, api.mine(activity), function (v) {
      var end = v === cfg.min ? cfg.min_label : v === cfg.max ? cfg.max_label : "";
      return end ? " – " + end : "";
    });
    var body = [row];
    if (cfg.min_label || cfg.max_label) body.push(ends(api, cfg));
    var hint = api.fmt(api.t("Choose a value from %s to %s"), [cfg.min, cfg.max]);
    var form = api.voteForm(activity, hint, body, function () { return picked(api, form); });
    return form;
  }

  // The scale's end labels under its ends (already read with the end values).
  function ends(api, cfg) {
    return api.el("p", { className: "ends", "aria-hidden": "true" }, [api.el("span", { text: cfg.min_label || "" }), api.el("span", { text: cfg.max_label || "" })]);
  }

  // Word cloud: max_entries short text fields.
  function buildWords(api, activity) {
    var cfg = activity.config;
    var ballot = api.mine(activity);
    var name = "a" + activity.id;
    var body = [];
    for (var w = 0; w < cfg.max_entries; w++) {
      var id = name + "-" + w;
      body.push(api.el("div", { className: "entry" }, [
        api.el("label", { for: id, text: api.fmt(api.t("Entry %s"), [w + 1]) }),
        api.el("input", { type: "text", id: id, name: name, maxlength: String(cfg.max_length), autocomplete: "off", value: (ballot || [])[w] || "" })
      ]));
    }
    var hint = api.fmt(api.t("Up to %s short entries"), [cfg.max_entries]);
    var form = api.voteForm(activity, hint, body, function () {
      var data = [];
      form.querySelectorAll("input").forEach(function (i) { if (i.value.trim()) data.push(i.value); });
      if (!data.length) { api.alert(api.t("Write at least one entry.")); return null; }
      return data;
    });
    return form;
  }

  // Ranking: up/down buttons (LivePollCharts); the focus follows the moved option and its new
  // place is announced.
  function buildRanking(api, activity) {
    var cfg = activity.config;
    drafts[activity.id] = (api.mine(activity) || drafts[activity.id] || cfg.options.map(function (_, i) { return i; })).slice();
    var list = api.el("ol", { className: "ranking", role: "list" });
    drawRanking(api, list, activity);
    return api.voteForm(activity, api.t("Put the options in order, most important first"), [list], function () {
      return drafts[activity.id].slice();
    });
  }

  function drawRanking(api, list, activity) {
    var options = activity.config.options;
    C.orderList(api, list, drafts[activity.id], function (i) { return options[i]; }, function (i) {
      return api.el("span", { text: options[i] });
    });
  }

  /* ------------------------------------------------------------ results */

  // Each kind's results as a table (LivePollCharts): rows of {key, label, share, cells}, the
  // column heads, the caption, and each entry's figure in a stakeholder group.
  function byLabel(list, label) {
    return (list || []).filter(function (o) { return o.label === label; })[0] || null;
  }

  // Numbers and percentages in the page's language (frontend/locale.js).
  function pct(v) { return window.LiveLocale ? window.LiveLocale.percent(v) : v + " %"; }
  function num(v) { return window.LiveLocale ? window.LiveLocale.number(v) : String(v); }
  function percentIn(o) { return o ? { text: pct(o.percent), share: o.percent } : null; }

  // Choices: most votes first (ties in the options' order), each with its own label.
  function choiceTable(api, activity, tally) {
    var options = tally.options.map(function (o, i) { return { o: o, i: i }; });
    options.sort(function (a, b) { return b.o.count - a.o.count || a.i - b.i; });
    return C.table(api, {
      caption: api.t("Results"),
      head: [api.t("Option"), api.t("Votes"), api.t("Share")],
      rows: options.map(function (x) {
        return { key: x.o.label, label: [x.o.label], share: x.o.percent, cells: [x.o.count, pct(x.o.percent)] };
      }),
      tally: tally,
      group: function (g, label) { return percentIn(byLabel(g.options, label)); }
    });
  }

  // Scale: the values in their order.
  function scaleTable(api, activity, tally) {
    return C.table(api, {
      caption: tally.mean !== null ? api.fmt(api.t("Results (mean %s)"), [num(tally.mean)]) : api.t("Results"),
      head: [api.t("Value"), api.t("Votes"), api.t("Share")],
      rows: tally.distribution.map(function (d) {
        return { key: d.value, label: [String(d.value)], share: d.percent, cells: [d.count, pct(d.percent)] };
      }),
      tally: tally,
      group: function (g, value) {
        return percentIn((g.distribution || []).filter(function (d) { return d.value === value; })[0]);
      }
    });
  }

  // Ranking: highest Borda score first, as the tally sends it.
  function rankingTable(api, activity, tally) {
    var top = C.most(tally.options.map(function (o) { return o.borda; }));
    return C.table(api, {
      caption: api.t("Results"),
      head: [api.t("Option"), api.t("Borda score"), api.t("Mean rank")],
      rows: tally.options.map(function (o) {
        return { key: o.label, label: [o.label], share: C.share(o.borda, top), cells: [o.borda, o.mean_rank === null ? "–" : num(o.mean_rank)] };
      }),
      tally: tally,
      group: function (g, label) {
        var o = byLabel(g.options, label);
        var groupTop = C.most((g.options || []).map(function (x) { return x.borda; }));
        return o ? { text: String(o.borda), share: C.share(o.borda, groupTop) } : null;
      }
    });
  }

  // Word cloud as a table, most entries first; on the console with a Hide button per
  // entry (the focus stays on the row's button across redraws).
  function wordTable(api, activity, tally) {
    var top = C.most(tally.words.map(function (w) { return w.count; }));
    var moderate = api.role === "facilitator";
    var head = [api.t("Entry"), api.t("Count")];
    if (moderate) head.push(api.t("Moderation"));
    return C.table(api, {
      caption: tally.words.length ? api.t("Results") : api.t("No entries yet."),
      head: head,
      rows: tally.words.map(function (w) {
        return { key: w.text, label: [w.text], share: C.share(w.count, top), cells: moderate ? [w.count, [hideButton(api, activity, w.text)]] : [w.count] };
      })
    });
  }

  function hideButton(api, activity, word) {
    var hide = api.el("button", { type: "button", className: "small", text: api.t("Hide"), "aria-label": api.fmt(api.t("Hide “%s”"), [word]) });
    hide.dataset.word = word;
    hide.addEventListener("click", function () {
      api.moderate(activity, "hide_entry", word, api.t("Entry hidden. Reload the page to list hidden entries."));
    });
    return hide;
  }

  // The projector draws the cloud; the console (with its Hide buttons) and participants'
  // phones a table, most entries first.
  function drawWords(api, box, activity, tally) {
    if (api.role !== "screen") {
      var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.word : null;
      box.replaceChildren(wordTable(api, activity, tally));
      var again = focused ? box.querySelector('button[data-word="' + CSS.escape(focused) + '"]') : null;
      if (again) again.focus();
      return;
    }
    if (!tally.words.length) { box.replaceChildren(api.el("p", { className: "muted", text: api.t("No entries yet.") })); return; }
    var list = C.cloud(api, tally.words);
    box.replaceChildren(list);
    C.fit(api, box, Array.prototype.slice.call(list.children));
  }

  /* ------------------------------------------------------------ before results */

  // The projector before results are shown: what there is to answer.
  function optionsPreview(api, activity) {
    return C.preview(api, activity.config.options.map(function (label) { return [label]; }), "options-preview");
  }

  function scalePreview(api, activity) {
    var cfg = activity.config, steps = [];
    for (var v = cfg.min; v <= cfg.max; v++) steps.push(api.el("li", { text: String(v) }));
    var parts = [api.el("ol", { className: "scale-preview", "aria-label": api.fmt(api.t("A scale from %s to %s"), [cfg.min, cfg.max]) }, steps)];
    if (cfg.min_label || cfg.max_label) {
      parts.push(api.el("p", { className: "ends" }, [
        api.el("span", { text: cfg.min_label ? api.fmt(api.t("%s: %s"), [cfg.min, cfg.min_label]) : "" }),
        api.el("span", { text: cfg.max_label ? api.fmt(api.t("%s: %s"), [cfg.max, cfg.max_label]) : "" })
      ]));
    }
    return api.el("div", { className: "scale-preview-wrap" }, parts);
  }

  function wordsPreview(api, activity) {
    var n = activity.config.max_entries;
    return api.el("p", { className: "words-invite" }, [
      api.fmt(api.nt("Send a word or a short phrase from your phone.", "Send up to %s words or short phrases from your phone.", n), [n])
    ]);
  }

  // results(api, box, activity, tally) of a kind: draw(api, activity, tally) makes its
  // table (cut to what fits on the projector); ahead(api, activity) what the projector
  // shows while the results are hidden.
  function results(draw, ahead) {
    return function (api, box, activity, tally) {
      if (!tally) {
        if (api.role === "participant") C.waiting(api, box);
        else if (api.role === "screen") {
          var node = ahead(api, activity);
          box.replaceChildren(node);
          if (node.tagName === "UL") C.fit(api, box, Array.prototype.slice.call(node.children));
        } else box.replaceChildren();
        return;
      }
      var table = draw(api, activity, tally);
      box.replaceChildren(table);
      C.fit(api, box, C.bodyRows(table));
    };
  }

  function wordResults(api, box, activity, tally) {
    if (tally) { drawWords(api, box, activity, tally); return; }
    results(null, wordsPreview)(api, box, activity, tally);
  }

  /* ------------------------------------------------------------ registration */

  function votes(api, n) { return api.fmt(api.nt("%s vote", "%s votes", n), [n]); }

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.single_choice = C.plugin(buildChoices, null, results(choiceTable, optionsPreview), votes);
  window.LiveKinds.multiple_choice = C.plugin(buildChoices, function (api, activity, form) {
    limitChoices(form, activity);
  }, results(choiceTable, optionsPreview), votes);
  window.LiveKinds.scale = C.plugin(buildScale, null, results(scaleTable, scalePreview), votes);
  window.LiveKinds.word_cloud = C.plugin(buildWords, null, wordResults, votes);
  window.LiveKinds.ranking = C.plugin(buildRanking, function (api, activity, form) {
    drawRanking(api, form.querySelector("ol"), activity);
  }, results(rankingTable, optionsPreview), votes);
})();
