// The unread count in the header: fetched when the page loads and again whenever live.js
// announces a "notification" event for this member. Without JavaScript the link still works.
(function () {
  "use strict";
  var badge = document.querySelector("[data-unread-count]");
  if (!badge || !window.fetch) { return; }
  var source = badge.getAttribute("data-unread-count");

  // The words come from the server, in the member's language with its plural ("3 nowe", "5 nowych").
  function show(count, label) {
    badge.textContent = count > 0 ? (label || String(count)) : "";
    badge.hidden = count === 0;
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data.unread, data.label); } })
      .catch(function () { /* The next event refreshes again. */ });
  }

  document.addEventListener("carecircle:event", function (event) {
    if (event.detail && event.detail.type === "notification") { refresh(); }
  });
  refresh();
})();
