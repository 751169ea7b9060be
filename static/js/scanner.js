/* Deelpunt scanner: tells a barcode scanner from a person typing, wherever the focus is.

   A USB or Bluetooth scanner is a keyboard that types a whole code in a burst, a few
   milliseconds between keys, and ends it with Enter. This script is loaded in <head>,
   NOT deferred (and never inline: the CSP forbids inline script), so it listens from
   the very first keystroke of the page, also while the page is still loading. It
   listens on window in the capture phase, before any field, button or form sees a key.

   - A burst ending in Enter is a scan: its keys never reach the focused field, its
     Enter never submits a form or presses a button, and the code goes to the counter
     (connect(), below). Scans made before the counter is ready wait, in order.
   - In a text field (not the scan field) a person must still type normally, so the
     first printable key is held back for HOLD_MS: when the next key follows within
     BURST_GAP_MS it is a burst; otherwise the held key is put back where the person
     was typing (at the caret). A fast typist's burst that does not end in Enter is
     put back too, and a key put back that turns out to start a burst (a busy page
     ran the timer late) is taken back out.
   - With the focus on a button, a select, a link or nowhere, printable keys are for
     the scan field (a select would otherwise change its value, and a language menu
     submits itself). Space and every non-printable key (Tab, arrows, Backspace, F9,
     Ctrl+…) pass untouched, so buttons, checkboxes and menus still work by keyboard.
   - In the scan field itself keys are typed as usual and its own Enter submits it.

   Thresholds (measured: scanners type 1–20 ms apart, Playwright at delay=8 about
   10–20 ms on a busy machine; people 80–250 ms apart, a fast typist's roll-over
   occasionally under 30 ms but then never followed by Enter that fast):
*/
(function () {
  "use strict";

  var BURST_GAP_MS = 45; // longest pause between two keys of one scan
  var HOLD_MS = 50; // how long a first key is held back; a bit longer than the gap
  var MIN_LENGTH = 4; // shorter bursts are a person (our codes are 8 or 13 characters)
  var PASS_KEYS = { Shift: 1, CapsLock: 1, Control: 1, Alt: 1, AltGraph: 1, Meta: 1, Dead: 1, Unidentified: 1 };

  var buffer = ""; // keys of the burst (or the held key) so far
  var origin = null; // the text field they were meant for: {el, start, end}, or null
  var lastTime = 0;
  var timer = null;
  var putBack = null; // the last keys put back: {el, text, start, origin, time}
  var handler = null;
  var scanField = null;
  var waiting = []; // scans before connect()
  var typedEarly = ""; // slow keys before connect(): for the scan field

  function isTextField(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA") return !el.readOnly && !el.disabled;
    if (el.tagName !== "INPUT") return false;
    var type = (el.getAttribute("type") || "text").toLowerCase();
    var texty = ["text", "search", "number", "tel", "email", "url", "password", "date", "month"];
    return texty.indexOf(type) >= 0 && !el.readOnly && !el.disabled;
  }

  function selection(el) {
    try {
      if (typeof el.selectionStart === "number") return { start: el.selectionStart, end: el.selectionEnd };
    } catch (e) {
      /* number inputs have no selection */
    }
    return { start: null, end: null };
  }

  function insert(el, text, start, end) {
    if (!el || !el.isConnected) return null;
    if (el.isContentEditable) {
      el.focus();
      document.execCommand("insertText", false, text);
      return null;
    }
    var at = null;
    try {
      if (start === null) throw new Error("no caret");
      el.setRangeText(text, start, end, "end");
      at = start;
    } catch (e) {
      at = el.value.length;
      el.value += text;
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    return at;
  }

  function reset() {
    buffer = "";
    origin = null;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  // The keys were a person's: back where they were typing, or into the scan field.
  function flush() {
    if (!buffer) return;
    var text = buffer;
    var was = origin;
    var time = lastTime;
    reset();
    if (was) {
      var at = insert(was.el, text, was.start, was.end);
      putBack = at === null ? null : { el: was.el, text: text, start: at, origin: was, time: time };
    } else if (handler && scanField) {
      scanField.value += text;
      scanField.focus();
    } else {
      typedEarly += text;
    }
  }

  // A key put back a moment ago was the start of a burst after all: take it out again.
  function reclaim(now) {
    var back = putBack;
    putBack = null;
    if (!back || now - back.time > BURST_GAP_MS || !back.el.isConnected) return false;
    var value = back.el.value;
    if (value.substr(back.start, back.text.length) !== back.text) return false;
    back.el.value = value.slice(0, back.start) + value.slice(back.start + back.text.length);
    try {
      back.el.setSelectionRange(back.origin.start, back.origin.start);
    } catch (e) {
      /* no caret in this field */
    }
    buffer = back.text;
    origin = back.origin;
    lastTime = back.time;
    return true;
  }

  function deliver(code) {
    if (handler) handler(code);
    else waiting.push(code);
  }

  function swallow(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  function hold(now) {
    lastTime = now;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, HOLD_MS);
  }

  function onKeyDown(event) {
    if (event.isComposing || PASS_KEYS[event.key]) return;
    var key = event.key;
    var now = event.timeStamp;
    var target = event.target;
    if (event.ctrlKey || event.altKey || event.metaKey || key === " ") {
      flush();
      return;
    }
    var fast = buffer && now - lastTime <= BURST_GAP_MS;
    if (key === "Enter") {
      if (!handler && (buffer || typedEarly)) {
        // Before the counter is ready every code ending in Enter is a scan for it.
        swallow(event);
        var early = typedEarly + buffer;
        typedEarly = "";
        reset();
        deliver(early);
        return;
      }
      if (fast && buffer.length >= MIN_LENGTH) {
        swallow(event);
        var code = buffer;
        reset();
        deliver(code);
        return;
      }
      flush(); // a person's Enter: submits with what they typed, as usual
      return;
    }
    if (key.length !== 1) {
      flush();
      return;
    }
    if (fast) {
      buffer += key;
      swallow(event);
      hold(now);
      return;
    }
    flush();
    if (!buffer && reclaim(now)) {
      buffer += key;
      swallow(event);
      hold(now);
      return;
    }
    if (!handler) {
      // The counter is not ready yet: every key is kept for it.
      buffer = key;
      swallow(event);
      hold(now);
      return;
    }
    if (target === scanField) return;
    if (isTextField(target)) {
      var sel = selection(target);
      origin = { el: target, start: sel.start, end: sel.end };
    } else {
      origin = null;
    }
    buffer = key;
    swallow(event);
    hold(now);
  }

  window.addEventListener("keydown", onKeyDown, true);

  window.DeelpuntScanner = {
    BURST_GAP_MS: BURST_GAP_MS,
    HOLD_MS: HOLD_MS,
    /* The counter is ready: ``field`` is the scan field, ``onScan(code)`` takes every
       scan from now on, starting with the ones made while the page loaded. */
    connect: function (field, onScan) {
      scanField = field;
      handler = onScan;
      if (typedEarly) {
        field.value = typedEarly + field.value;
        typedEarly = "";
      }
      var early = waiting;
      waiting = [];
      early.forEach(function (code) {
        onScan(code);
      });
    },
  };
})();
