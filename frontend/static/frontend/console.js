/* The facilitator's console.
 *
 * 1. The "add an activity" form: show only the settings of the chosen kind (each kind's
 *    fieldset names it in data-kinds). Without this script every kind's settings stay
 *    visible and the server reads only the chosen kind's.
 * 2. Live commands: every command form (data-command) is sent over the room's
 *    connection (window.LiveRoom.control, docs/protocol.md "control") instead of being
 *    posted, and the page is brought up to date in place: after each room change the
 *    parts that commands change (GET ?part=agenda, data-part elements) are swapped in,
 *    keeping the scroll position, the focus (controls have stable ids: Open and Close
 *    share one) and which card is expanded. Results boxes are never replaced (room.js
 *    draws into them). Without a connection, or without this script, the forms post.
 * 3. The agenda: cards expand one at a time; reordering by dragging a card's handle or
 *    with Alt+Arrow Up / Alt+Arrow Down on a focused handle (both send "move").
 * 4. The "add an activity" and "attach results" forms are sent with fetch (header
 *    X-Requested-With: fetch): an added activity's card comes in with the agenda's
 *    refresh and opens, the form is emptied (its kind kept) and keeps the focus; a
 *    refused one is replaced by the server's form with its errors. Without this script
 *    they post and the page reloads. */
(function () {
  "use strict";

  var t = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s, a) { var i = 0; return s.replace(/%s/g, function () { return a[i++]; }); };

  /* ------------------------------------------------------------ the add form */

  // The form may be replaced (console.js puts the server's form in its place), so it
  // is looked up each time.
  function showKind() {
    var kind = document.getElementById("id_kind");
    if (!kind) return;
    kind.form.querySelectorAll("[data-kinds]").forEach(function (group) {
      var shown = group.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      group.hidden = !shown;
      group.querySelectorAll("input, select, textarea").forEach(function (c) { c.disabled = !shown; });
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.id === "id_kind") showKind();
  });
  showKind();

  var root = document.getElementById("live");
  var agenda = document.getElementById("agenda");
  if (!root || !agenda || !window.LiveRoom) return;
  var live = window.LiveRoom;
  var announcer = document.getElementById("announce");
  root.classList.add("enhanced"); // shows the drag handles and their help

  function announce(text) { if (announcer) announcer.textContent = text; }

  function cards() { return Array.prototype.slice.call(agenda.children); }

  function cardOf(id) { return document.getElementById("activity-" + id); }

  /* ------------------------------------------------------------ commands */

  // What the console says once a command is acknowledged: the server's words (the
  // ack's message), or for a move, where the activity is now.
  function doneText(command, result) {
    if (command.action === "move") {
      var card = cardOf(command.activity);
      return fmt(t("Moved: “%s” is now number %s of %s."), [card ? card.dataset.title : "", command.value + 1, cards().length]);
    }
    return result.message || t("Done.");
  }

  // Sends a command; false when there is no connection (the caller posts instead).
  function send(command, done) {
    return live.control(command.action, command.activity, command.value, function (error, result) {
      if (done) done(error);
      if (error) return; // room.js shows the server's message in #live-alert
      live.api.alert("");
      announce(doneText(command, result));
      refreshSoon();
    });
  }

  root.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-command") || !live.connected()) return;
    if (form.dataset.busy) { e.preventDefault(); return; }
    var sent = send(live.formCommand(form, e.submitter), function () {
      delete form.dataset.busy;
    });
    if (sent) {
      e.preventDefault();
      form.dataset.busy = "1";
    }
  });

  /* ------------------------------------------------------------ updating in place */

  var partsUrl = root.dataset.parts;
  var refreshTimer = null, fetching = false, fetchAgain = false, stale = false;
  var shownCurrent = currentOnPage();

  function currentOnPage() {
    var card = agenda.querySelector("li.activity.current");
    return card ? card.dataset.activity : null;
  }

  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 60);
  }

  function refresh() {
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    fetch(partsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        apply(new DOMParser().parseFromString(html, "text/html"));
        if (stale) { stale = false; live.api.alert(""); }
      })
      .catch(function () {
        stale = true;
        live.api.alert(t("The console could not be brought up to date. Reload the page."));
      })
      .then(function () {
        fetching = false;
        if (fetchAgain) { fetchAgain = false; refreshSoon(); }
      });
  }

  // Every rendering masks the CSRF token anew (any of them is valid): give every form
  // the page's first, so that only parts that really changed differ and are replaced.
  var csrf = document.querySelector('input[name="csrfmiddlewaretoken"]');
  function sameToken(doc) {
    if (!csrf) return;
    doc.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) {
      if (input.getAttribute("value") !== csrf.value) input.setAttribute("value", csrf.value);
    });
  }
  sameToken(document);

  // Replace each data-part of the page that differs from the fresh one.
  function swapParts(scope, fresh) {
    fresh.querySelectorAll("[data-part]").forEach(function (part) {
      var name = part.getAttribute("data-part");
      var old = scope.querySelector('[data-part="' + name + '"]');
      if (old && !old.isEqualNode(part)) old.replaceWith(document.importNode(part, true));
    });
  }

  function focusable(node) {
    return !!node && !node.disabled && node.getClientRects().length > 0;
  }

  function apply(doc) {
    var freshList = doc.getElementById("agenda");
    if (!freshList) return;
    sameToken(doc);
    var active = document.activeElement;
    var activeId = active && active !== document.body ? active.id : "";
    var activeCard = active && active.closest ? active.closest("li.activity") : null;
    var activeIndex = activeCard ? cards().indexOf(activeCard) : -1;
    var activeDetails = active && active.closest ? active.closest("details.activity-more") : null;
    var anchor = activeCard || (active && active !== document.body ? active : null);
    var anchorTop = anchor ? anchor.getBoundingClientRect().top : null;

    // The cards: existing ones keep their node (and results box), their parts are
    // swapped; new ones come in whole; gone ones leave; then the order is the server's.
    var wanted = Array.prototype.map.call(freshList.children, function (fresh) {
      var card = document.getElementById(fresh.id);
      if (!card) return document.importNode(fresh, true);
      swapParts(card, fresh);
      ["class", "data-title", "aria-current"].forEach(function (name) {
        var value = fresh.getAttribute(name);
        if (value === null) card.removeAttribute(name);
        else if (card.getAttribute(name) !== value) card.setAttribute(name, value);
      });
      return card;
    });
    cards().forEach(function (card) { if (wanted.indexOf(card) < 0) card.remove(); });
    wanted.forEach(function (card, i) {
      if (agenda.children[i] !== card) agenda.insertBefore(card, agenda.children[i] || null);
    });
    freshList.remove();
    swapParts(root, doc.body); // the session's state, the panels' commands, "no activities"

    // A newly current activity opens (closing the others) unless the facilitator is
    // working inside another card.
    var current = currentOnPage();
    if (current !== shownCurrent) {
      shownCurrent = current;
      var details = current && document.getElementById("more-" + current);
      if (details && (!activeDetails || activeDetails === details)) details.open = true;
    }
    // A card just added opens, the others close now (not on "toggle", later) so that
    // the scroll correction below sees the final layout.
    var added = openAdded && document.getElementById("more-" + openAdded);
    if (added) {
      openAdded = null;
      agenda.querySelectorAll("details.activity-more[open]").forEach(function (other) { other.open = false; });
      added.open = true;
    }

    if (active && active !== document.activeElement) {
      var again = activeId ? document.getElementById(activeId) : null;
      if (!focusable(again) && activeCard) {
        // Its control is gone or disabled (Move up on the first card): the card's
        // handle, or the handle of the card now in its place, or the agenda heading.
        var list = cards();
        var card = activeCard.isConnected ? activeCard : list[Math.min(activeIndex, list.length - 1)];
        again = card ? card.querySelector(".handle") : null;
      }
      if (!focusable(again)) again = document.getElementById(activeCard ? "agenda-heading" : "main");
      if (again) again.focus({ preventScroll: true });
    }
    if (anchor && anchor.isConnected && anchorTop !== null) {
      var shift = anchor.getBoundingClientRect().top - anchorTop;
      if (shift) window.scrollBy(0, shift);
    }
    live.redraw(); // counts into the new cards' meta lines, results into new boxes
  }

  root.addEventListener("live:room", refreshSoon);

  /* ------------------------------------------------------------ forms sent with fetch */

  var openAdded = null; // the id of an added activity whose card opens once it is in
  var addForm = document.getElementById("add-activity");
  var blankAddForm = addForm ? addForm.cloneNode(true) : null;

  // Posts a form as the browser would, saying that it is console.js asking; calls
  // back with the response and its body (JSON, or the text of an HTML fragment).
  function post(form, done) {
    form.dataset.busy = "1";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        return (json ? response.json() : response.text()).then(function (body) {
          return { status: response.status, json: json, body: body };
        });
      })
      .then(function (answer) { done(answer); }, function () { done(null); })
      .then(function () { delete form.dataset.busy; });
  }

  // Puts "fresh" in the place of "form", the focus where it was (same id or name).
  function replaceForm(form, fresh) {
    var active = document.activeElement;
    var had = active && form.contains(active) ? active : null;
    sameToken(fresh);
    form.replaceWith(fresh);
    showKind();
    if (!had) return fresh;
    var again = had.id ? document.getElementById(had.id) : null;
    if (!again && had.name) again = fresh.querySelector('[name="' + had.name + '"]');
    if (focusable(again)) again.focus({ preventScroll: true });
    return fresh;
  }

  function added(form, answer) {
    var kind = form.querySelector("#id_kind");
    var chosen = kind ? kind.value : "";
    var blank = replaceForm(form, blankAddForm.cloneNode(true));
    var kindAgain = blank.querySelector("#id_kind");
    if (kindAgain && chosen) {
      kindAgain.value = chosen;
      showKind();
    }
    live.api.alert("");
    announce(fmt(t("Added: %s"), [answer.body.title]));
    openAdded = String(answer.body.activity);
    refreshSoon();
  }

  function refused(form, html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("add-activity");
    if (!fresh) return false;
    fresh = replaceForm(form, document.importNode(fresh, true));
    var first = fresh.querySelector('[aria-invalid="true"]:not(:disabled)');
    if (!first) {
      // Only an error about the whole form: its list takes the focus.
      first = fresh.querySelector(".errorlist");
      if (first) first.setAttribute("tabindex", "-1");
    }
    if (first) first.focus();
    announce("");
    return true;
  }

  root.addEventListener("submit", function (e) {
    var form = e.target;
    var adding = form.id === "add-activity";
    if (!adding && !form.classList.contains("evidence-form")) return;
    e.preventDefault();
    if (form.dataset.busy) return;
    post(form, function (answer) {
      if (adding && answer && answer.status === 200 && answer.json) added(form, answer);
      else if (adding && answer && answer.status === 400 && !answer.json && refused(form, answer.body)) return;
      else if (!adding && answer && answer.status === 200 && answer.json) {
        live.api.alert("");
        announce(answer.body.message);
        refreshSoon(); // the card says where its results are attached
      } else if (answer && answer.json && answer.body.error) {
        live.api.alert(answer.body.error);
      } else {
        live.api.alert(t("That did not work. Reload the page and try again."));
      }
    });
  });

  /* ------------------------------------------------------------ one card open at a time */

  agenda.addEventListener("toggle", function (e) {
    var opened = e.target;
    // Only the cards' own details: a disclosure inside a results box leaves its card open.
    if (!opened.matches("details.activity-more") || !opened.open) return;
    agenda.querySelectorAll("details.activity-more[open]").forEach(function (other) {
      if (other !== opened) other.open = false;
    });
  }, true);

  // A card linked to (#activity-12, after adding it) opens.
  if (location.hash) {
    var linked = document.getElementById(location.hash.slice(1));
    var more = linked && linked.matches("li.activity") ? linked.querySelector("details.activity-more") : null;
    if (more) more.open = true;
  }

  /* ------------------------------------------------------------ reordering */

  // Move a card to position "to" (0-based); without a connection, post the move.
  function move(card, to) {
    var id = parseInt(card.dataset.activity, 10);
    if (send({ action: "move", activity: id, value: to })) return;
    var form = card.querySelector('form[data-command] input[name="action"][value="move"]');
    if (!form) return;
    form = form.form.cloneNode(true);
    form.querySelector('input[name="value"]').value = String(to);
    form.hidden = true;
    document.body.appendChild(form);
    form.submit();
  }

  agenda.addEventListener("keydown", function (e) {
    var handle = e.target.closest && e.target.closest(".handle");
    if (!handle || !e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    var card = handle.closest("li.activity");
    var from = cards().indexOf(card);
    var to = from + (e.key === "ArrowUp" ? -1 : 1);
    if (to < 0 || to >= cards().length) {
      announce(fmt(t("“%s” is already number %s of %s."), [card.dataset.title, from + 1, cards().length]));
      return;
    }
    move(card, to);
  });

  var dragged = null, over = null;

  function mark(card) {
    if (over === card) return;
    if (over) over.classList.remove("drop-target");
    over = card;
    if (over) over.classList.add("drop-target");
  }

  function endDrag() {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    mark(null);
  }

  agenda.addEventListener("dragstart", function (e) {
    var handle = e.target.closest && e.target.closest(".handle");
    if (!handle) return;
    dragged = handle.closest("li.activity");
    dragged.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.dataset.title || "");
    if (e.dataTransfer.setDragImage) e.dataTransfer.setDragImage(dragged, 16, 16);
  });

  agenda.addEventListener("dragover", function (e) {
    var card = dragged && e.target.closest ? e.target.closest("li.activity") : null;
    if (!card) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    mark(card === dragged ? null : card);
  });

  agenda.addEventListener("dragleave", function (e) {
    if (over && !over.contains(e.relatedTarget)) mark(null);
  });

  // Dropped on a card: the dragged one takes its place.
  agenda.addEventListener("drop", function (e) {
    var card = dragged && e.target.closest ? e.target.closest("li.activity") : null;
    if (!card) return;
    e.preventDefault();
    var moving = dragged;
    endDrag();
    if (card !== moving) move(moving, cards().indexOf(card));
  });

  agenda.addEventListener("dragend", endDrag);
})();
