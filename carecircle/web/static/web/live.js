// Live updates: one WebSocket carries event ids; content is refetched over HTTP through the
// same access checks as the page. Regions marked data-live-src are refreshed when an event of a
// listed type arrives for their circle. Pages work without this script.
(function () {
  "use strict";
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live-src]"));
  var circles = {};
  // Any element naming a circle (a refreshable region, or a list kept live by its own script).
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-circle]"), function (el) {
    var circle = el.getAttribute("data-live-circle");
    circles[circle] = true;
    // The page was rendered as of this sequence number: catch up from there, not from older visits.
    if (el.hasAttribute("data-live-seq")) { sessionStorage.setItem("cc-seq-" + circle, el.getAttribute("data-live-seq")); }
  });
  // The highest number of each circle whose event the page's scripts were told of (announced):
  // each numbered event once and in number order, whether it came live or with a catch-up.
  var announced = {};
  Object.keys(circles).forEach(function (circle) { announced[circle] = parseInt(sessionStorage.getItem("cc-seq-" + circle) || "0", 10); });
  var status = document.querySelector("[data-live-status]");
  // Translated words, when the page isn't in English (web/script_words.py loads them first).
  var words = window.carecircleWords || {};
  var retry = 0;
  var socket = null;

  function lastSeq(circle) { return parseInt(sessionStorage.getItem("cc-seq-" + circle) || "0", 10); }
  function rememberSeq(circle, seq) {
    if (seq > lastSeq(circle)) { sessionStorage.setItem("cc-seq-" + circle, String(seq)); }
  }
  function setStatus(text) { if (status) { status.textContent = text; } }

  // What a focused control is, in words that survive re-rendering: its id, or its kind, where it
  // leads or posts to, its name and its text.
  function identity(node) {
    if (node.id) { return "#" + node.id; }
    return [node.tagName, node.getAttribute("href") || "", node.form ? node.form.getAttribute("action") || "" : "",
      node.getAttribute("name") || "", node.textContent.trim()].join("|");
  }

  function changed(field) {
    if (field.type === "hidden") { return false; }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    if (field.type === "file") { return field.files && field.files.length > 0; }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }

  function fieldIdentity(node) { return identity(node) + "|" + (node.getAttribute("value") || ""); }

  // Put fresh HTML in a region. Nothing changes when the HTML is the same (no layout shift, no
  // screen-reader noise); a keyboard user's focus stays on the same control, or on the region if
  // that control is gone, never thrown back to the top of the page (WCAG 2.4.3). A field someone
  // has typed into or chosen in is kept as it is (the element itself, so its text, caret and any
  // chosen file stay) wherever the fresh HTML has the same field, and a disclosure they opened stays open.
  function replace(el, html) {
    var fresh = document.createElement("template");
    fresh.innerHTML = html;
    if (fresh.innerHTML === el.innerHTML) { return; }
    var active = document.activeElement;
    var held = active && active !== el && el.contains(active) ? identity(active) : null;
    var caret = null;
    try { caret = active ? [active.selectionStart, active.selectionEnd] : null; } catch (error) { caret = null; }
    var kept = Array.prototype.filter.call(el.querySelectorAll("input, select, textarea"), changed);
    var keys = kept.map(fieldIdentity);
    // A disclosure someone opened (one with an id) stays open where the fresh HTML still has it.
    var opened = Array.prototype.map.call(el.querySelectorAll("details[open][id]"), function (node) { return node.id; });
    el.innerHTML = html;
    opened.forEach(function (id) {
      var again = document.getElementById(id);
      if (again && el.contains(again)) { again.open = true; }
    });
    Array.prototype.forEach.call(el.querySelectorAll("input, select, textarea"), function (node) {
      var index = keys.indexOf(fieldIdentity(node));
      if (index !== -1) { node.replaceWith(kept[index]); keys[index] = null; }
    });
    if (held === null) { return; }
    var same = Array.prototype.filter.call(el.querySelectorAll("a, button, input, select, textarea, summary, [tabindex]"),
      function (node) { return identity(node) === held; })[0];
    if (same) {
      same.focus();
      if (caret && caret[0] !== null && same === active) { try { same.setSelectionRange(caret[0], caret[1]); } catch (error) { /* No caret here. */ } }
      return;
    }
    if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
    el.focus();
  }

  function fetchInto(el) {
    fetch(el.getAttribute("data-live-src"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        // An organisation's page this person may no longer see (their referral given to someone
        // else, or they left the staff): reload, so they see the refusal instead of what they lost.
        if ((response.status === 403 || response.status === 404) && el.hasAttribute("data-live-organisation")) {
          location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) { replace(el, html); } })
      .catch(function () { /* The next event or reconnect refreshes again. */ });
  }

  function refresh(circle, type) {
    regions.forEach(function (el) {
      if (el.getAttribute("data-live-circle") !== String(circle)) { return; }
      var types = (el.getAttribute("data-live-types") || "").split(",");
      if (type && types.indexOf(type) === -1 && types.indexOf("*") === -1) { return; }
      fetchInto(el);
    });
  }

  // An organisation's regions (the referral list and board, one referral's page) have no event log
  // to catch up from: an event refreshes them, and so does a reconnect that missed some. A burst
  // of arrivals (a CSV import) costs one fetch at a time per region, plus one after the last.
  var busy = {};
  // A region of one referral's page (data-live-referral) listens only to that referral's events.
  function refreshRegion(el, index) {
    if (busy[index]) { busy[index] = "again"; return; }
    busy[index] = true;
    setTimeout(function () {
      fetchInto(el);
      setTimeout(function () {
        var again = busy[index] === "again";
        busy[index] = false;
        if (again) { refreshRegion(el, index); }
      }, 500);
    }, 150);
  }
  function refreshOrganisation(organisation, referral) {
    regions.forEach(function (el, index) {
      if (el.getAttribute("data-live-organisation") !== String(organisation)) { return; }
      var only = el.getAttribute("data-live-referral");
      if (only && referral && only !== String(referral)) { return; }
      refreshRegion(el, index);
    });
  }
  // Organisation events are numbered per organisation: the page was rendered as of data-live-seq.
  var organisations = {};
  regions.forEach(function (el) {
    var organisation = el.getAttribute("data-live-organisation");
    if (!organisation) { return; }
    organisations[organisation] = true;
    if (el.hasAttribute("data-live-seq")) { sessionStorage.setItem("cc-org-seq-" + organisation, el.getAttribute("data-live-seq")); }
  });
  function lastOrganisationSeq(organisation) { return parseInt(sessionStorage.getItem("cc-org-seq-" + organisation) || "0", 10); }

  // An organisation's event: a number after the next one means events were missed (a publish that
  // failed, a dropped connection), so every region refetches; one already seen changes nothing.
  // "organisation.skip" is a number that was not for this person (a volunteer is sent only the
  // numbers of others' referrals): counted, nothing refetched. "organisation.latest" comes on
  // (re)connecting and each minute: refetch only if behind.
  function organisationEvent(event) {
    var organisation = String(event.organisation);
    var last = lastOrganisationSeq(organisation);
    if (typeof event.seq === "number") {
      if (event.seq <= last) { return; }
      sessionStorage.setItem("cc-org-seq-" + organisation, String(event.seq));
      if (event.type === "organisation.latest" || event.seq > last + 1) { refreshOrganisation(organisation); return; }
      if (event.type === "organisation.skip") { return; }
    }
    // A withdrawal names no referral (and has no number): every region of the organisation refetches.
    refreshOrganisation(organisation, event.type === "referrals.withdrawn" ? null : event.referral);
  }

  function announce(event) { document.dispatchEvent(new CustomEvent("carecircle:event", { detail: event })); }
  // A late event (4 after 5, which fetched 4 and 5) or one a catch-up also brought is told once.
  function announceOnce(event) {
    var circle = String(event.circle);
    if (event.seq <= (announced[circle] || 0)) { return; }
    announced[circle] = event.seq;
    announce(event);
  }
  function numbered(event) {
    return Boolean(event.circle && typeof event.seq === "number" && circles[String(event.circle)] && event.type !== "circle.latest");
  }

  // Events missed while disconnected (or skipped in a gap) are fetched and announced like live ones.
  function catchUp(circle, from) {
    var since = from === undefined ? lastSeq(circle) : from;
    var base = document.querySelector("[data-live-circle='" + circle + "'][data-live-events]");
    if (!base) { return; }
    fetch(base.getAttribute("data-live-events") + "?since=" + since, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        // A gap: events after `since` were pruned (RETENTION_EVENTS_DAYS), so refetch everything shown.
        if (data.events.length || data.gap) { refresh(circle, null); }
        data.events.forEach(function (event) { announceOnce(event); });
        rememberSeq(circle, data.latest);
        if (data.has_more && data.events.length) { catchUp(circle, data.events[data.events.length - 1].seq); }
      })
      .catch(function () {});
  }

  var signingOut = false;
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-sign-out")) { signingOut = true; }
  });

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/");
    socket.onopen = function () {
      retry = 0;
      setStatus(words["live.on"] || "Live: changes appear as they happen.");
      // Not forEach(catchUp): forEach's second argument (the index) would become `from`, and every
      // page load would fetch the first circle's events from 0 and refetch every region.
      Object.keys(circles).forEach(function (circle) { catchUp(circle); });
    };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      // A circle's numbered events are told below, once each and in order.
      if (!numbered(event)) { announce(event); }
      if (event.organisation && !event.circle && organisations[String(event.organisation)]) {
        organisationEvent(event);
        return;
      }
      if (event.type === "access.revoked" && circles[String(event.circle)]) {
        location.reload();
        return;
      }
      if (event.circle && event.seq && circles[String(event.circle)]) {
        var expected = lastSeq(event.circle) + 1;
        // A sequence the page gave (data-live-seq, even "0" for a circle with no events yet) is known:
        // any gap after it is caught up. Only a circle with no stored sequence at all skips it.
        var known = sessionStorage.getItem("cc-seq-" + event.circle) !== null;
        // After Redis restarts the server says where each circle is: catch up only if behind.
        if (event.type === "circle.latest") {
          if (event.seq >= expected) { catchUp(event.circle, expected - 1); }
          return;
        }
        rememberSeq(event.circle, event.seq);
        // A gap: the catch-up fetches the missing ones and this one, and tells them in order.
        if (event.seq > expected && known) { catchUp(event.circle, expected - 1); return; }
        announceOnce(event);
        refresh(event.circle, event.type);
      }
    };
    socket.onclose = function (closed) {
      // 4401: this session ended (signed out here or from another device): show the sign-in page.
      // Not while this page is signing out: the sign-out's own answer is on its way.
      if (closed.code === 4401) { setStatus(""); if (!signingOut) { location.reload(); } return; }
      setStatus(words["live.reconnecting"] || "Reconnecting…");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, Math.min(30000, 500 * Math.pow(2, retry)) + Math.random() * 500);
    };
  }

  if ("WebSocket" in window && window.fetch) { connect(); }
})();
