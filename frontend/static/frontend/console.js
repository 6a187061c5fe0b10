/* The facilitator's "add an activity" form: show only the settings of the chosen kind
 * (each kind's fieldset names it in data-kinds). Without this script every kind's
 * settings stay visible and the server reads only the chosen kind's. */
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
