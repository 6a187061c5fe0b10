/* The poll kinds in the live room (polls/kinds.py): single choice, multiple choice,
 * scale, word cloud and ranking. Registers in window.LiveKinds; room.js passes its api
 * (the shared answer form api.voteForm / api.refreshVoteForm and api.resultsTable).
 * DOM built with textContent only. */
(function () {
  "use strict";

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
    var ballot = api.mine(activity);
    var name = "a" + activity.id;
    var row = api.el("div", { className: "scale" });
    for (var v = cfg.min; v <= cfg.max; v++) {
      var id = name + "-" + v;
      var radio = api.el("input", { type: "radio", name: name, id: id, value: String(v) });
      radio.checked = ballot === v;
      var end = v === cfg.min ? cfg.min_label : v === cfg.max ? cfg.max_label : "";
      var label = api.el("label", { for: id, text: String(v) }, [end ? api.el("span", { className: "visually-hidden", text: " – " + end }) : null]);
      row.appendChild(api.el("span", { className: "step" }, [radio, label]));
    }
    var body = [row];
    if (cfg.min_label || cfg.max_label) {
      body.push(api.el("p", { className: "ends", "aria-hidden": "true" }, [api.el("span", { text: cfg.min_label || "" }), api.el("span", { text: cfg.max_label || "" })]));
    }
    var hint = api.fmt(api.t("Choose a value from %s to %s"), [cfg.min, cfg.max]);
    var form = api.voteForm(activity, hint, body, function () { return picked(api, form); });
    return form;
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

  // Ranking: up/down buttons; the focus follows the moved option and its new place
  // is announced.
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
    var order = drafts[activity.id];
    list.replaceChildren();
    order.forEach(function (option, position) {
      var label = activity.config.options[option];
      var up = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s up"), [label]), text: "↑" });
      var down = api.el("button", { type: "button", className: "small", "aria-label": api.fmt(api.t("Move %s down"), [label]), text: "↓" });
      up.disabled = position === 0;
      down.disabled = position === order.length - 1;
      up.addEventListener("click", function () { move(api, list, activity, position, -1); });
      down.addEventListener("click", function () { move(api, list, activity, position, 1); });
      list.appendChild(api.el("li", {}, [api.el("span", { text: label }), up, down]));
    });
  }

  function move(api, list, activity, position, delta) {
    var order = drafts[activity.id];
    var target = position + delta;
    var item = order.splice(position, 1)[0];
    order.splice(target, 0, item);
    drawRanking(api, list, activity);
    var buttons = list.children[target].querySelectorAll("button");
    var keep = delta < 0 ? buttons[0] : buttons[1];
    (keep.disabled ? (delta < 0 ? buttons[1] : buttons[0]) : keep).focus();
    api.announce(api.fmt(api.t("%s is now number %s"), [activity.config.options[item], target + 1]));
  }

  /* ------------------------------------------------------------ results */

  // [label, figure, bar share, share text (or undefined)] per row, and the column heads.
  function choiceRows(api, tally) {
    return {
      head: [api.t("Option"), api.t("Votes"), api.t("Share")],
      rows: tally.options.map(function (o) { return [o.label, o.count, o.percent, o.percent + " %"]; })
    };
  }

  function scaleRows(api, tally) {
    return {
      head: [api.t("Value"), api.t("Votes"), api.t("Share")],
      rows: tally.distribution.map(function (d) { return [String(d.value), d.count, d.percent, d.percent + " %"]; }),
      caption: tally.mean !== null ? api.fmt(api.t("Results (mean %s)"), [tally.mean]) : null
    };
  }

  function wordRows(api, tally) {
    var top = Math.max(1, tally.words.length ? tally.words[0].count : 1);
    var rows = tally.words.map(function (w) { return [w.text, w.count, w.count / top * 100]; });
    return { head: [api.t("Entry"), api.t("Count")], rows: rows, caption: rows.length ? null : api.t("No entries yet.") };
  }

  function rankingRows(api, tally) {
    var top = Math.max(1, tally.options.length ? tally.options[0].borda : 1);
    return {
      head: [api.t("Option"), api.t("Borda score"), api.t("Mean rank")],
      rows: tally.options.map(function (o) { return [o.label, o.borda, o.borda / top * 100, o.mean_rank === null ? "–" : String(o.mean_rank)]; })
    };
  }

  // A results table; the facilitator can hide a word-cloud entry from its row.
  function results(figures, moderated) {
    return function (api, box, activity, tally) {
      if (!tally) {
        var wait = api.role === "participant" ? api.t("Results will be shown when the facilitator allows it.") : "";
        box.replaceChildren(wait ? api.el("p", { className: "muted", text: wait }) : "");
        return;
      }
      var shape = figures(api, tally);
      var moderate = moderated && api.role === "facilitator";
      var head = shape.head.slice();
      if (moderate) head.push(api.t("Moderation"));
      var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.word : null;
      var rows = shape.rows.map(function (r) {
        var cells = [[r[0], api.bar(r[2])], r[1]];
        if (r[3] !== undefined) cells.push(r[3]);
        if (moderate) cells.push([hideButton(api, activity, r[0])]);
        return cells;
      });
      box.replaceChildren(api.resultsTable(shape.caption || api.t("Results"), head, rows));
      if (focused) {
        var again = box.querySelector('button[data-word="' + CSS.escape(focused) + '"]');
        if (again) again.focus();
      }
    };
  }

  function hideButton(api, activity, word) {
    var hide = api.el("button", { type: "button", className: "small", text: api.t("Hide"), "aria-label": api.fmt(api.t("Hide “%s”"), [word]) });
    hide.dataset.word = word;
    hide.addEventListener("click", function () {
      api.moderate(activity, "hide_entry", word, api.t("Entry hidden. Reload the page to list hidden entries."));
    });
    return hide;
  }

  /* ------------------------------------------------------------ registration */

  function votes(api, n) { return api.fmt(api.nt("%s vote", "%s votes", n), [n]); }

  function plugin(build, figures, redraw, moderated) {
    return {
      build: build,
      update: function (api, activity) {
        api.refreshVoteForm(activity, redraw ? function (form) { redraw(api, activity, form); } : null);
      },
      results: results(figures, moderated),
      countLabel: votes
    };
  }

  window.LiveKinds = window.LiveKinds || {};
  window.LiveKinds.single_choice = plugin(buildChoices, choiceRows);
  window.LiveKinds.multiple_choice = plugin(buildChoices, choiceRows, function (api, activity, form) {
    limitChoices(form, activity);
  });
  window.LiveKinds.scale = plugin(buildScale, scaleRows);
  window.LiveKinds.word_cloud = plugin(buildWords, wordRows, null, true);
  window.LiveKinds.ranking = plugin(buildRanking, rankingRows, function (api, activity, form) {
    drawRanking(api, form.querySelector("ol"), activity);
  });
})();
