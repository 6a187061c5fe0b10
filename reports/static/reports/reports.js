/* The workshop report page (reports/workshop.html): while the worker builds the
 * report, follow its progress (reports:status) and reload the page once it is ready or
 * has failed. Nothing else: the page is whole without this script. */
(function () {
  "use strict";
  var box = document.getElementById("report-status");
  if (!box) return;
  var status = box.dataset.status;
  if (status !== "queued" && status !== "building") return;
  var url = box.dataset.statusUrl;
  var bar = document.getElementById("report-progress");
  var label = document.getElementById("report-label");
  var step = document.getElementById("report-step");
  var EVERY_MS = 1000;

  function follow() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(follow, EVERY_MS * 5); return; }
        if (data.status === "ready" || data.status === "failed" || String(data.generation) !== box.dataset.generation) {
          window.location.reload();
          return;
        }
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
        if (label) label.textContent = data.label;
        if (step) step.textContent = data.step ? ": " + data.step : "";
        setTimeout(follow, EVERY_MS);
      })
      .catch(function () { setTimeout(follow, EVERY_MS * 5); });
  }
  setTimeout(follow, EVERY_MS);
})();
