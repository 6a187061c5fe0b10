/* The facilitator's "add a poll" form: show only the settings of the chosen kind.
 * Without this script every setting stays visible and the server ignores the rest. */
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  var groups = document.querySelectorAll(".activity-form [data-kinds]");
  function update() {
    groups.forEach(function (group) {
      var shown = group.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      group.hidden = !shown;
      group.querySelectorAll("input, select, textarea").forEach(function (c) { c.disabled = !shown; });
    });
  }
  kind.addEventListener("change", update);
  update();
})();
