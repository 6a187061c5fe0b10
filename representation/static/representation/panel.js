/* The representation panel of the facilitator console and the projector
 * (representation/panel.py): per stakeholder group, region and gender, the count and
 * share at each stage beside the target and the gap, alerts in words. Registers
 * window.LivePanels.representation; room.js calls draw() with each panel message. */
(function () {
  "use strict";
  window.LivePanels = window.LivePanels || {};

  // Numbers and percentages in the page's language (frontend/locale.js).
  function pct(v, digits) {
    return window.LiveLocale ? window.LiveLocale.percent(v, digits) : v.toFixed(digits) + "%";
  }

  function cellText(api, cell) {
    if (!cell) return "";
    if (cell.suppressed === "fewer") return api.t("fewer than 5");
    if (cell.suppressed) return api.t("hidden");
    var share = cell.share === null || cell.share === undefined ? "" : " (" + pct(cell.share, 0) + ")";
    return String(cell.count) + share;
  }

  function gapText(api, cell) {
    if (!cell || cell.gap === null || cell.gap === undefined) return "";
    var digits = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
    var lang = document.documentElement.lang || undefined;
    var gap = new Intl.NumberFormat(lang, digits).format(Math.abs(cell.gap));
    return (cell.gap > 0 ? "+" : cell.gap < 0 ? "\u2212" : "") + gap;
  }

  function alertText(api, row, cell) {
    if (!cell) return "";
    if (cell.below_target) return api.t("below target");
    if (cell.too_few) return api.t("fewer than 5 people");
    return "";
  }

  // The stage the gap and the alerts speak of: the last one anybody has reached (its
  // total, or when that is hidden an alert, which the server raises only at stages
  // somebody reached), else the last one. While people have only joined, the gap to
  // the target is the joined one, not that of an empty "contributed" column.
  function stageOf(data, dim) {
    var reached = data.stages.filter(function (s) {
      return dim.totals[s.key] || dim.rows.some(function (r) { var c = r.cells[s.key]; return c && c.alert; });
    });
    return reached.length ? reached[reached.length - 1] : data.stages[data.stages.length - 1];
  }

  function drawTable(api, data, dim) {
    var el = api.el;
    var last = stageOf(data, dim).key;
    var head = [el("th", { scope: "col", text: dim.label })];
    data.stages.forEach(function (s) { head.push(el("th", { scope: "col", text: s.label })); });
    head.push(el("th", { scope: "col", text: api.t("Target") }));
    head.push(el("th", { scope: "col", text: api.t("Gap (points)") }));
    var rows = dim.rows.filter(function (r) {
      return r.target !== null || data.stages.some(function (s) { var c = r.cells[s.key]; return c && c.count; });
    }).map(function (r) {
      var lastCell = r.cells[last];
      var alert = alertText(api, r, lastCell);
      var tds = [el("th", { scope: "row", text: r.label })];
      data.stages.forEach(function (s) { tds.push(el("td", { text: cellText(api, r.cells[s.key]) })); });
      tds.push(el("td", { text: r.target === null ? "" : pct(r.target, 0) }));
      tds.push(el("td", { text: gapText(api, lastCell) + (alert ? " \u26a0 " + alert : "") }));
      var tr = el("tr", alert ? { className: "alert-row" } : {}, tds);
      return tr;
    });
    // A wide table scrolls sideways: a named region reachable by keyboard (WCAG 2.1.1).
    return el("div", { className: "table-scroll", tabindex: "0", role: "region", "aria-label": dim.label }, [
      el("table", { className: "representation-table" }, [el("thead", {}, [el("tr", {}, head)]), el("tbody", {}, rows)]),
    ]);
  }

  window.LivePanels.representation = {
    draw: function (api, body, data) {
      var el = api.el;
      body.textContent = "";
      if (data.unavailable) { body.appendChild(el("p", { className: "muted", text: data.unavailable })); return; }
      var alerts = [];
      data.dimensions.forEach(function (dim) {
        var stage = stageOf(data, dim);
        dim.rows.forEach(function (r) {
          var cell = r.cells[stage.key];
          var why = alertText(api, r, cell);
          if (why) alerts.push(dim.label + ": " + r.label + " \u2014 " + why + " (" + stage.label + ")");
        });
      });
      if (alerts.length && api.role === "facilitator") {
        body.appendChild(el("p", { className: "panel-alerts", text: api.fmt(api.nt("%s alert", "%s alerts", alerts.length), [alerts.length]) }));
        body.appendChild(el("ul", { className: "panel-alert-list" }, alerts.map(function (a) { return el("li", { text: a }); })));
      }
      var dims = api.role === "screen" ? data.dimensions.slice(0, 1) : data.dimensions;
      dims.forEach(function (dim) { body.appendChild(drawTable(api, data, dim)); });
      if (data.page && api.role === "facilitator") {
        body.appendChild(el("p", {}, [el("a", { href: data.page, text: api.t("Full representation page") })]));
      }
    },
  };
})();
