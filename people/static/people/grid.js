/* The stakeholder analysis grid: move people between the cells of the 5x5
 * influence/interest grid by drag and drop, or with the keyboard (focus a person,
 * arrow keys move one cell). Every move is POSTed as JSON to the person's
 * "analysis" endpoint, which saves it and keeps it in their history; the result is
 * announced in the page's live region. Without this script the small form of each
 * person ("Place by numbers") does the same. */
(function () {
  "use strict";
  var grid = document.querySelector("[data-analysis-grid]");
  if (!grid) return;
  var status = document.getElementById("grid-status");
  var tray = document.querySelector("[data-unplaced]");
  var STEPS = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1] };
  var dragged = null;

  function message(name) { return grid.getAttribute("data-msg-" + name) || ""; }

  function announce(text, isError) {
    status.classList.toggle("error", !!isError);
    // Emptied first, so that the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) return input.value;
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return found ? decodeURIComponent(found[1]) : "";
  }

  function numberOrNull(text) {
    var n = parseInt(text, 10);
    return isNaN(n) ? null : n;
  }

  function listFor(influence, interest) {
    if (influence === null || interest === null) return tray.querySelector("ul.chips");
    var cell = grid.querySelector(
      'td[data-influence="' + influence + '"][data-interest="' + interest + '"]'
    );
    return cell ? cell.querySelector("ul.chips") : null;
  }

  function insertSorted(list, item, name) {
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      var other = items[i].querySelector("[data-person]");
      if (other && other.getAttribute("data-name").localeCompare(name) > 0) {
        list.insertBefore(item, items[i]);
        return;
      }
    }
    list.appendChild(item);
  }

  function place(chip, influence, interest) {
    var list = listFor(influence, interest);
    if (!list) return;
    insertSorted(list, chip.parentNode, chip.getAttribute("data-name"));
    chip.setAttribute("data-influence", influence === null ? "" : String(influence));
    chip.setAttribute("data-interest", interest === null ? "" : String(interest));
    // Keep the "Place by numbers" form of this person in step.
    var id = chip.getAttribute("data-person");
    var selects = { influence: influence, interest: interest };
    Object.keys(selects).forEach(function (name) {
      var select = document.getElementById("id_" + id + "_" + name);
      if (select) select.value = selects[name] === null ? "" : String(selects[name]);
    });
    chip.classList.add("moved");
  }

  function move(chip, influence, interest, keepFocus) {
    if (chip.getAttribute("aria-busy") === "true") return;
    chip.setAttribute("aria-busy", "true");
    var done = function () { chip.removeAttribute("aria-busy"); };
    fetch(chip.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ influence: influence, interest: interest })
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) throw new Error("expired");
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        done();
        if (!result.ok || !result.body.ok) {
          announce(result.body.error || message("failed"), true);
          return;
        }
        place(chip, result.body.influence, result.body.interest);
        if (keepFocus) chip.focus();
        var said = result.body.message;
        if (result.body.quadrant_label) said += " " + result.body.quadrant_label + ".";
        announce(said, false);
      })
      .catch(function (error) {
        done();
        if (keepFocus) chip.focus();
        announce(message(error && error.message === "expired" ? "expired" : "failed"), true);
      });
  }

  // Keyboard: arrow keys move the focused person one cell.
  document.addEventListener("keydown", function (event) {
    var step = STEPS[event.key];
    if (!step || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var chip = event.target.closest && event.target.closest("a.chip[data-person]");
    if (!chip) return;
    event.preventDefault();
    var influence = numberOrNull(chip.getAttribute("data-influence"));
    var interest = numberOrNull(chip.getAttribute("data-interest"));
    if (influence === null || interest === null) {
      influence = 3; // someone not yet placed starts in the middle
      interest = 3;
    } else {
      influence += step[0];
      interest += step[1];
      if (influence < 1 || influence > 5 || interest < 1 || interest > 5) {
        announce(message("edge"), true);
        return;
      }
    }
    move(chip, influence, interest, true);
  });

  // Drag and drop: onto a cell places the person there, onto the tray unplaces them.
  function zoneOf(target) {
    return target.closest ? target.closest("td.cell, [data-unplaced]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("a.chip[data-person]");
    if (!chip) return;
    dragged = chip;
    chip.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.getAttribute("data-person"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var zone = dragged && zoneOf(event.target);
    if (!zone) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("drop-target");
    var chip = dragged;
    var influence = numberOrNull(zone.getAttribute("data-influence"));
    var interest = numberOrNull(zone.getAttribute("data-interest"));
    if (chip.getAttribute("data-influence") === (influence === null ? "" : String(influence)) &&
        chip.getAttribute("data-interest") === (interest === null ? "" : String(interest))) {
      return; // dropped where it was
    }
    move(chip, influence, interest, false);
  });
})();
