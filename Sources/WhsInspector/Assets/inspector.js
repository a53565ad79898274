// whs inspector: live updates and small conveniences. No inline code anywhere (the pages'
// Content-Security-Policy forbids it), no framework, no build step. Everything shown comes
// from the server's own escaped HTML; nothing from the stream is ever inserted as markup.
(function () {
  "use strict";
  var body = document.body;
  var live = body.getAttribute("data-live");
  var status = document.getElementById("live-status");

  // A delete asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("delete") && !window.confirm("Delete? This cannot be undone.")) {
      event.preventDefault();
    }
  });

  if (!live || !window.EventSource || !window.fetch || !window.DOMParser) return;

  var pending = null;
  var refreshing = false;
  var again = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function keys(root, selector, attribute) {
    var found = {};
    root.querySelectorAll(selector).forEach(function (element) {
      var key = element.getAttribute(attribute);
      if (key) found[key] = element;
    });
    return found;
  }

  // Reads the page again and puts its live region in place of this one, keeping what the
  // reader opened; rows that were not there before are marked.
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("live-region");
        var current = document.getElementById("live-region");
        if (!fresh || !current) return;
        var opened = keys(current, "details[data-key][open]", "data-key");
        var seen = keys(current, "[data-row]", "data-row");
        var focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("[data-row]") : null;
        var focusKey = focused ? focused.getAttribute("data-row") : null;
        Object.keys(opened).forEach(function (key) {
          var match = fresh.querySelector('details[data-key="' + CSS.escape(key) + '"]');
          if (match) match.open = true;
        });
        fresh.querySelectorAll("[data-row]").forEach(function (row) {
          if (!seen[row.getAttribute("data-row")]) row.classList.add("fresh");
        });
        current.replaceChildren.apply(current, Array.prototype.slice.call(fresh.childNodes));
        if (focusKey) {
          var link = current.querySelector('[data-row="' + CSS.escape(focusKey) + '"] a');
          if (link) link.focus();
        }
        say("Updated " + new Date().toLocaleTimeString());
      })
      .catch(function () { say("Could not update; the page will try again."); })
      .then(function () {
        refreshing = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (pending) return;
    pending = window.setTimeout(function () { pending = null; refresh(); }, 150);
  }

  var messageID = body.getAttribute("data-message-id");
  function concerns(event) {
    if (live !== "mail") return live !== "deliveries" || event.type === "attempt" || event.type === "mail";
    try {
      return JSON.parse(event.data).message_id === messageID;
    } catch (error) {
      return false;
    }
  }

  // From where the page was drawn: what happened since is not missed.
  var from = body.getAttribute("data-live-from");
  var source = new EventSource("/ui/live" + (from ? "?after=" + encodeURIComponent(from) : ""));
  ["mail", "engagement", "attempt"].forEach(function (kind) {
    source.addEventListener(kind, function (event) { if (concerns(event)) schedule(); });
  });
  source.addEventListener("ready", function () { say("Live"); body.setAttribute("data-live-ready", "1"); });
  source.onerror = function () { say("Reconnecting…"); };
})();
