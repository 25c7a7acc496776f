// The unread count in the header: fetched when the page loads and again whenever live.js
// announces a "notification" event for this member. Without JavaScript the link still works.
(function () {
  "use strict";
  var badge = document.querySelector("[data-unread-count]");
  if (!badge || !window.fetch) { return; }
  var source = badge.getAttribute("data-unread-count");

  function show(count) {
    badge.textContent = count > 0 ? String(count) + " new" : "";
    badge.hidden = count === 0;
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data.unread); } })
      .catch(function () { /* The next event refreshes again. */ });
  }

  document.addEventListener("carecircle:event", function (event) {
    if (event.detail && event.detail.type === "notification") { refresh(); }
  });
  refresh();
})();
