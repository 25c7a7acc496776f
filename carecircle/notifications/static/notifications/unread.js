// The unread count in the header: fetched when the page loads and again whenever live.js
// announces a "notification" event for this member. Without JavaScript the link still works.
(function () {
  "use strict";
  var badge = document.querySelector("[data-unread-count]");
  if (!badge || !window.fetch) { return; }
  var source = badge.getAttribute("data-unread-count");

  // The words come from the server, in the member's language with its plural ("3 nowe", "5 nowych").
  // The badge shows the number; the words after it are for screen readers, so a long plural never
  // overflows the badge's fixed place (which keeps the header from moving when it fills in).
  function show(count, label) {
    var number = count > 999 ? "999+" : String(count);
    var words = label || number;
    badge.textContent = "";
    badge.hidden = count === 0;
    if (count === 0) { return; }
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    if (count <= 999 && words.indexOf(String(count)) === 0) {
      badge.appendChild(document.createTextNode(number));
      hidden.textContent = words.slice(String(count).length);
    } else {
      var shown = document.createElement("span");
      shown.setAttribute("aria-hidden", "true");
      shown.textContent = number;
      badge.appendChild(shown);
      hidden.textContent = words;
    }
    badge.appendChild(hidden);
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
