/* Deelpunt counter: the basket in the browser, scans, and a confirm that records once.

   The basket lives here (localStorage, one per distribution point): the family's code,
   the lines, the payment, and the idempotency key made when the basket starts. Every
   request posts the whole basket; the server answers with HTML slots (see
   partials/counter_answer.html): a card for the scan results, a message, and the basket
   rendered from what was posted, carrying the basket state to keep. The server decides
   every rule (quota, checklist, deposits); this script only keeps, sends and shows.

   Confirm is sent with the basket's key and retried with a growing pause (1, 2, 4 … 15 s)
   until an answer arrives, so it records exactly once: the server answers a repeated key
   with the first result. While it waits the basket is kept (also over a reload, which
   resumes the confirm) and the offline state shows. Every request goes through one
   queue, so scans and changes are handled in the order they were made. */
(function () {
  "use strict";

  var form = document.querySelector("[data-counter-form]");
  if (!form) return;
  var input = form.querySelector("[data-scan-input]");
  var results = document.getElementById("scan-results");
  var basketBox = document.getElementById("basket");
  var messageBox = document.getElementById("counter-message");
  var netStatus = form.querySelector("[data-net-status]");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  // Per point and per volunteer: on a shared tablet the next person never gets the basket
  // (or the family) of the one before; logging out clears them all (deelpunt.js).
  var storageKey =
    "deelpunt.counter.basket." + form.getAttribute("data-location") + "." + form.getAttribute("data-user");
  var confirmCode = (form.getAttribute("data-confirm-code") || "").toUpperCase();
  var MAX_CARDS = 12;
  var RETRY_MAX_MS = 15000;
  var MAX_SERVER_ERRORS = 4; // server errors in a row before confirm stops retrying
  var serverErrors = 0;

  function text(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  // --- The basket state -------------------------------------------------------------

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes); // also on plain http, unlike randomUUID
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function emptyBasket(household) {
    return { household: household || "", key: newKey(), lines: [], payment: "", override_reason: "" };
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey));
      if (saved && typeof saved === "object" && Array.isArray(saved.lines) && saved.key) return saved;
    } catch (e) {
      /* nothing kept, or unreadable: a new basket */
    }
    return emptyBasket("");
  }

  var state = load();
  // Edits made in the basket, numbered: an answer to a request sent before an edit is
  // applied with that edit replayed on top, so nothing typed meanwhile is lost.
  var revision = 0;
  var edits = [];

  var leaving = false; // signed out: nothing of the family is written back any more

  function save() {
    if (leaving) return;
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (e) {
      /* private mode or full: the basket still lives in this page */
    }
  }

  function basketJson() {
    return JSON.stringify({
      household: state.household,
      key: state.key,
      lines: state.lines,
      payment: state.payment,
      override_reason: state.override_reason,
    });
  }

  // --- Showing answers --------------------------------------------------------------

  function showMessage(message, level) {
    messageBox.textContent = message;
    messageBox.className = "counter-message" + (message ? " " + (level || "ok") : "");
    messageBox.setAttribute("role", level === "error" ? "alert" : "status");
  }

  function setOnline(online) {
    netStatus.hidden = online;
    document.body.classList.toggle("offline", !online);
  }

  function focusScan() {
    input.focus({ preventScroll: true });
  }

  function renderBasket(slot) {
    var active = document.activeElement;
    var keep = null;
    if (active && basketBox.contains(active) && active.getAttribute("data-field")) {
      var line = active.closest("[data-line]");
      keep = {
        line: line ? line.getAttribute("data-line") : null,
        field: active.getAttribute("data-field"),
        value: active.value,
      };
    } else if (active && basketBox.contains(active) && active.getAttribute("data-basket-field")) {
      keep = { field: active.getAttribute("data-basket-field"), basket: true, value: active.value };
    }
    basketBox.replaceChildren.apply(basketBox, Array.prototype.slice.call(slot.childNodes));
    if (!keep) return;
    var selector = keep.basket
      ? '[data-basket-field="' + keep.field + '"]'
      : '[data-line="' + keep.line + '"] [data-field="' + keep.field + '"]';
    var candidates = basketBox.querySelectorAll(selector);
    var again = candidates[0];
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i].value === keep.value) again = candidates[i];
    }
    if (!again) return;
    if (again.type !== "checkbox" && again.type !== "radio" && again.value !== keep.value) {
      again.value = keep.value; // typed while the answer was on its way
      readField(again);
      save();
    }
    again.focus({ preventScroll: true });
  }

  function lineKey(line) {
    return line.kind + ":" + line.id;
  }

  function replay(sent) {
    edits = edits.filter(function (edit) {
      return edit.rev > sent;
    });
    edits.forEach(function (edit) {
      if (edit.line === null) {
        state[edit.field] = edit.value;
        return;
      }
      state.lines.forEach(function (line) {
        if (lineKey(line) === edit.line) line[edit.field] = edit.value;
      });
    });
    return edits.length > 0;
  }

  function addCards(slot) {
    var cards = Array.prototype.slice.call(slot.children);
    for (var i = cards.length - 1; i >= 0; i--) {
      results.prepend(cards[i]);
      if (window.htmx) window.htmx.process(cards[i]);
    }
    while (results.children.length > MAX_CARDS) results.lastElementChild.remove();
  }

  /* Apply an answer; false when it is not one (e.g. the login page after a logout). */
  function apply(html, sent) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var answer = doc.querySelector("[data-counter-answer]");
    if (!answer) return false;
    var message = answer.querySelector('[data-slot="message"]');
    if (message) showMessage(message.textContent.trim(), message.getAttribute("data-level"));
    var card = answer.querySelector('[data-slot="card"]');
    if (card) addCards(card);
    var basket = answer.querySelector('[data-slot="basket"]');
    if (basket) {
      var kept = JSON.parse(basket.getAttribute("data-basket-state"));
      kept.confirming = Boolean(state.confirming);
      state = kept;
      var stale = replay(sent === undefined ? revision : sent);
      save();
      renderBasket(basket);
      if (stale) sendBasket(); // show the preview of what was edited meanwhile
    }
    return true;
  }

  // --- Requests ---------------------------------------------------------------------

  var queue = Promise.resolve();

  function enqueue(task) {
    queue = queue.then(task).catch(function () {
      /* each task shows its own failure */
    });
    return queue;
  }

  // --- Signed out ---------------------------------------------------------------------

  // The server signs an idle session out and answers an htmx request with HX-Redirect to
  // the login page. fetch() does not follow that header itself; follow it, and clear the
  // family's data first so nothing of it stays on an unattended tablet.
  function clearHousehold() {
    leaving = true;
    window.localStorage.removeItem(storageKey);
    window.localStorage.removeItem(pendingKey);
    basketBox.innerHTML = "";
    results.innerHTML = "";
    messageBox.textContent = "";
  }

  function followRedirect(response) {
    var to = response.headers.get("HX-Redirect");
    if (!to) return false;
    clearHousehold();
    window.location.assign(to);
    return true;
  }

  // At the idle limit the server has signed the session out; clear the screen now rather
  // than at the next scan, and reload so the server sends the tablet to the login page.
  var idleMs = parseInt(form.getAttribute("data-idle-seconds"), 10) * 1000;
  var idleTimer = null;
  function restartIdleTimer() {
    if (!(idleMs > 0)) return;
    if (idleTimer) window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(function () {
      clearHousehold();
      window.location.reload();
    }, idleMs + 1000); // a second past the server's limit, so the reload finds it expired
  }

  function post(url, fields) {
    restartIdleTimer();
    var sent = revision;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrf,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields),
    }).then(function (response) {
      if (followRedirect(response)) return response;
      if (response.status >= 500) {
        var failure = new Error("server " + response.status);
        failure.serverError = true;
        throw failure;
      }
      return response.text().then(function (body) {
        setOnline(true);
        if (!apply(body, sent)) showMessage(text("logged-out"), "error");
        return response;
      });
    });
  }

  function sendBasket(fields) {
    return enqueue(function () {
      var body = Object.assign({ basket: basketJson() }, fields || {});
      return post(form.getAttribute("data-basket-url"), body).catch(function () {
        setOnline(false);
        showMessage(text("offline-basket"), "error");
      });
    });
  }

  function scan(code) {
    code = (code || "").trim();
    if (!code) return;
    focusScan();
    if (confirmCode && code.toUpperCase() === confirmCode) {
      confirm();
      return;
    }
    enqueue(function () {
      return post(form.action, { code: code, basket: basketJson() }).catch(function (failure) {
        if (failure && failure.serverError) {
          showMessage(text("scan-failed") + " (" + code + ")", "error");
          return;
        }
        // No connection: the scan is kept (also over a reload) and sent, in order, as soon
        // as the connection is back. A scan is never lost.
        setOnline(false);
        pending.push(code);
        savePending();
        showMessage(text("offline") + " (" + pending.join(", ") + ")", "error");
      });
    });
  }

  // --- Scans made without a connection ------------------------------------------------

  var pendingKey = storageKey + ".scans";
  var pending = loadPending();

  function loadPending() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(pendingKey));
      if (Array.isArray(saved)) return saved.filter(function (c) { return typeof c === "string"; });
    } catch (e) {
      /* nothing kept */
    }
    return [];
  }

  function savePending() {
    if (leaving) return;
    try {
      if (pending.length) window.localStorage.setItem(pendingKey, JSON.stringify(pending));
      else window.localStorage.removeItem(pendingKey);
    } catch (e) {
      /* the scans still wait in this page */
    }
  }

  function sendPending() {
    if (!pending.length || confirmInFlight) return;
    var codes = pending;
    pending = [];
    savePending();
    codes.forEach(scan);
  }

  // --- Confirm: once, however often it is sent ---------------------------------------

  var confirmInFlight = false;
  var wake = null; // cuts the pause before the next try short

  function pause(ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  function tryConfirm(attempt) {
    restartIdleTimer();
    return fetch(form.getAttribute("data-confirm-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrf,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ basket: basketJson() }),
    })
      .then(function (response) {
        if (followRedirect(response)) return null;
        if (response.status >= 500) {
          var failure = new Error("server " + response.status);
          failure.serverError = true;
          throw failure;
        }
        return response.text();
      })
      .then(
        function (body) {
          if (body === null) return; // signed out: the page is leaving
          setOnline(true);
          var answered = apply(body);
          state.confirming = false; // an answer: recorded, or refused with the basket kept
          save();
          if (!answered) showMessage(text("logged-out"), "error");
        },
        function (failure) {
          // No connection: try until there is an answer (the key makes it record once).
          // The server answering with an error again and again is not a connection
          // problem: stop after a few tries, keep the basket and say so, so one bad basket
          // does not hold the counter (and every scan queued behind it) forever.
          if (failure && failure.serverError) {
            serverErrors += 1;
            if (serverErrors >= MAX_SERVER_ERRORS) {
              serverErrors = 0;
              state.confirming = false;
              save();
              showMessage(text("confirm-failed"), "error");
              return undefined;
            }
          } else {
            setOnline(false);
          }
          var wait = Math.min(RETRY_MAX_MS, 1000 * Math.pow(2, attempt));
          showMessage(text("confirm-retry").replace("{seconds}", Math.round(wait / 1000)), "error");
          return pause(wait).then(function () {
            return tryConfirm(attempt + 1);
          });
        }
      );
  }

  function confirm() {
    focusScan();
    if (confirmInFlight) {
      if (wake) wake(); // pressed again while waiting for the connection: try now
      else showMessage(text("busy"), "ok");
      return;
    }
    if (!state.lines.length) {
      showMessage(text("empty"), "error");
      return;
    }
    state.confirming = true;
    save();
    startConfirm();
  }

  function startConfirm() {
    serverErrors = 0;
    confirmInFlight = true;
    form.setAttribute("aria-busy", "true");
    basketBox.classList.add("confirming");
    showMessage(text("confirming"), "ok");
    enqueue(function () {
      return tryConfirm(0);
    }).then(function () {
      confirmInFlight = false;
      form.removeAttribute("aria-busy");
      basketBox.classList.remove("confirming");
    });
  }

  // --- Events -----------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value;
    input.value = "";
    scan(code);
  });

  function readField(el) {
    var basketField = el.getAttribute("data-basket-field");
    if (basketField) {
      if (el.type !== "radio" || el.checked) {
        state[basketField] = el.value;
        edits.push({ rev: ++revision, line: null, field: basketField, value: el.value });
      }
      return;
    }
    var li = el.closest("[data-line]");
    var line = li && state.lines[Number(li.getAttribute("data-line"))];
    if (!line) return;
    var field = el.getAttribute("data-field");
    readLineField(el, li, line, field);
    edits.push({ rev: ++revision, line: lineKey(line), field: field, value: line[field] });
  }

  function readLineField(el, li, line, field) {
    if (el.type === "checkbox") {
      line[field] = Array.prototype.map.call(
        li.querySelectorAll('[data-field="' + field + '"]:checked'),
        function (box) {
          return box.value;
        }
      );
    } else if (el.type === "radio") {
      if (el.checked) line[field] = el.value;
    } else if (field === "replaces") {
      line[field] = el.value ? Number(el.value) : null;
    } else {
      line[field] = el.value;
    }
  }

  function editable(el) {
    return el.getAttribute("data-field") || el.getAttribute("data-basket-field");
  }

  basketBox.addEventListener("input", function (event) {
    if (!editable(event.target) || confirmInFlight) return;
    readField(event.target); // typed text survives a reload; the preview follows on change
    save();
  });

  basketBox.addEventListener("change", function (event) {
    if (!editable(event.target)) return;
    if (confirmInFlight) {
      showMessage(text("busy"), "ok");
      return;
    }
    readField(event.target);
    save();
    sendBasket();
  });

  basketBox.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button || button.disabled) return;
    var action = button.getAttribute("data-action");
    if (action === "confirm") {
      confirm();
      return;
    }
    focusScan();
    if (confirmInFlight) {
      showMessage(text("busy"), "ok");
      return;
    }
    var li = button.closest("[data-line]");
    sendBasket({ action: action, line: li ? li.getAttribute("data-line") : "" });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "F9" || (event.key === "Enter" && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      confirm();
    } else if (event.key === "Escape") {
      focusScan();
    }
  });

  // A family registered in a card (htmx) gets the basket when it is free.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var card = event.detail.elt && event.detail.elt.querySelector
      ? event.detail.elt.querySelector("[data-opens-basket]") ||
        (event.detail.elt.matches && event.detail.elt.matches("[data-opens-basket]") ? event.detail.elt : null)
      : null;
    if (!card || state.lines.length) return;
    state = emptyBasket(card.getAttribute("data-opens-basket"));
    save();
    sendBasket();
    focusScan();
  });

  window.addEventListener("online", function () {
    setOnline(true);
    if (wake) wake();
    else if (pending.length) sendPending();
    else if (state.household && !confirmInFlight) sendBasket();
  });
  // The network can be back without an "online" event (the server was unreachable).
  window.setInterval(sendPending, 10000);
  window.addEventListener("offline", function () {
    setOnline(false);
  });
  window.addEventListener("storage", function (event) {
    if (event.key === storageKey && !confirmInFlight) {
      state = load(); // the same point open in another tab
      sendBasket();
    }
  });

  // --- Start ------------------------------------------------------------------------

  setOnline(navigator.onLine);
  restartIdleTimer();
  if (state.household) sendBasket({ panel: "1" });
  if (state.confirming) startConfirm(); // a reload while confirming: finish it, once by its key
  window.DeelpuntScanner.connect(input, scan);
  sendPending(); // scans kept from before a reload
  focusScan();
})();
