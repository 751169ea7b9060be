/* Deelpunt: small behaviours without inline script (strict CSP). */
(function () {
  "use strict";

  // Language select submits itself.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });

  // Logging out forgets every counter basket kept in this browser: a counter tablet is
  // shared, and a basket names a family.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-logout]")) return;
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i -= 1) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf("deelpunt.counter.basket.") === 0) window.localStorage.removeItem(key);
      }
    } catch (e) {
      /* storage unavailable: nothing kept */
    }
  });

  // Buttons with data-confirm ask first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  /* The counter scan bar. A USB scanner types like a keyboard and ends with Enter.
     - Every scan is queued and sent in order, one at a time: none is lost while an
       answer is still on its way.
     - Keys typed while the focus is elsewhere on the page (not in another field) go to
       the scan bar, so a scan works in any state of the page. */
  function setUpScanForm(form) {
    var input = form.querySelector("[data-scan-input]");
    var target = document.querySelector(form.getAttribute("data-scan-target"));
    var url = form.action;
    var queue = Promise.resolve();
    var pending = 0;

    function send(code) {
      pending += 1;
      form.setAttribute("aria-busy", "true");
      queue = queue
        .then(function () {
          return window.htmx.ajax("POST", url, {
            target: target,
            swap: "afterbegin",
            values: { code: code },
            source: form,
          });
        })
        .catch(function () {
          var card = document.createElement("article");
          card.className = "scan-card error";
          card.textContent = form.getAttribute("data-offline-message") || "Geen verbinding: scan opnieuw.";
          target.prepend(card);
        })
        .finally(function () {
          pending -= 1;
          if (pending === 0) form.removeAttribute("aria-busy");
        });
    }

    form.addEventListener("submit", function (event) {
      if (!window.htmx) return; // plain form post still works
      event.preventDefault();
      var code = input.value.trim();
      input.value = "";
      input.focus();
      if (code) send(code);
    });

    document.addEventListener("keydown", function (event) {
      var active = document.activeElement;
      if (active === input || event.ctrlKey || event.altKey || event.metaKey) return;
      if (active && active.closest("input, textarea, select, [contenteditable]")) return;
      if (event.key === "Enter" && input.value) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key.length === 1) {
        event.preventDefault();
        input.value += event.key;
        input.focus();
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-scan-form]").forEach(setUpScanForm);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
