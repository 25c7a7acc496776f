// Live conversation: new messages appear as they are posted, edits and reactions update in place,
// and a message written while offline is kept on the device (web/outbox.js) until it can be sent. Each message is
// posted with its own client id, so a retry never duplicates it, and a message already on the page
// is replaced, never added twice. live.js carries the events; without this script the forms post
// and the page reloads. "React" opens the message's reaction choices in place instead of going to
// its page (docs/architecture/conversations.md, "Reacting in place").
(function () {
  "use strict";
  // The page's nonce, for the reaction buttons' styles brought from the message's page.
  var nonce = document.currentScript ? document.currentScript.nonce : "";
  var list = document.querySelector("[data-chat]");
  if (!list || !window.fetch || !window.FormData) { return; }
  var form = document.querySelector("[data-compose]");
  var note = form && form.querySelector("[data-pending]");
  var circle = list.getAttribute("data-circle");
  var conversation = list.getAttribute("data-conversation");
  var paused = list.hasAttribute("data-paused");
  var headers = { "X-Requested-With": "fetch" };
  var queue = [];
  // True once a send failed for the network: only then do messages "wait to send". While a send is
  // simply under way the note stays empty, so it never claims to be offline when it isn't.
  var stalled = false;
  var sending = false;
  var fetching = false;
  var fetchAgain = false;
  var messageUrl = list.getAttribute("data-message-url");
  // Messages whose reaction choices are being fetched: a second activation meanwhile does nothing.
  var opening = {};
  var styled = false;
  var said = null;
  // The catalog of this script's words, loaded by the script so pages carry no byte for it; English
  // pages need none. Asked for now, so the words are here when the network later fails.
  var language = document.documentElement.lang || "";
  if (!window.gettext && language && language.indexOf("en") !== 0) {
    var catalog = document.createElement("script");
    catalog.src = "/conversations/strings.js?l=" + encodeURIComponent(language);
    catalog.setAttribute("nonce", nonce);
    document.head.appendChild(catalog);
  }
  // Words in the reader's language from Django's JavaScript catalog (strings.js), English without it.
  function gettext(text) { return window.gettext ? window.gettext(text) : text; }
  function ngettext(one, many, count) {
    return window.ngettext ? window.ngettext(one, many, count) : (count === 1 ? one : many);
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function lastId() {
    var items = list.querySelectorAll("li[data-message]");
    return items.length ? parseInt(items[items.length - 1].getAttribute("data-message"), 10) : 0;
  }

  function place(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    Array.prototype.forEach.call(holder.content.querySelectorAll("li[data-message]"), function (item) {
      var existing = document.getElementById(item.id);
      if (existing) {
        // A menu someone has open stays open when the message around it is refreshed.
        var open = existing.querySelector("details[open]");
        var menu = item.querySelector("details");
        if (open && menu) { menu.open = true; }
        var focused = existing.contains(document.activeElement) ? document.activeElement : null;
        var here = existing.querySelector("form[data-react-here]");
        existing.replaceWith(item);
        if (here && reactLink(item)) {
          // Reaction choices open in place stay open, then are fetched afresh (their counts changed).
          showHere(item, here);
          if (focused && here.contains(focused)) { focused.focus(); }
          openHere(item, true);
        } else if (focused && focused.matches("a[href]")) {
          var same = item.querySelector('a[href="' + focused.getAttribute("href") + '"]');
          if (same) { same.focus(); }
        }
      } else if (!paused) { list.appendChild(item); }
    });
    var empty = document.getElementById("messages-empty");
    if (empty && list.children.length) { empty.remove(); }
  }

  function fetchNew() {
    if (paused) { return; }
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    fetch(list.getAttribute("data-after-url") + "?after=" + lastId(), { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var more = response.headers.get("X-Has-More") === "1";
        return response.text().then(function (html) { place(html); return more; });
      })
      .then(function (more) {
        fetching = false;
        if (more || fetchAgain) { fetchAgain = false; fetchNew(); }
      })
      .catch(function () { fetching = false; });
  }

  function refetch(id) {
    if (!document.getElementById("m-" + id)) { return Promise.resolve(); }
    return fetch(messageUrl + id + "/", { credentials: "same-origin", headers: headers })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { place(html); } })
      .catch(function () {});
  }

  // The list item's "React" link: to the message's own page, which has the reaction buttons.
  function reactLink(item) {
    return item.querySelector('.msg-actions a[href="' + messageUrl + item.getAttribute("data-message") + '/"]');
  }

  function countsOf(item) {
    return item.querySelectorAll(".msg-actions .reaction");
  }

  // Puts the reaction form in the item, where its own counts (as buttons) stand in for the list's.
  function showHere(item, form) {
    var line = item.querySelector(".msg-actions");
    var link = reactLink(item);
    line.parentNode.insertBefore(form, line);
    Array.prototype.forEach.call(countsOf(item), function (count) { count.hidden = true; });
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", form.querySelector("[role=group]").id);
  }

  function closeHere(item, focus) {
    var form = item.querySelector("form[data-react-here]");
    if (form) { form.remove(); }
    Array.prototype.forEach.call(countsOf(item), function (count) { count.hidden = false; });
    var link = reactLink(item);
    if (!link) { return; }
    link.setAttribute("aria-expanded", "false");
    if (focus) { link.focus(); }
  }

  // Fetches the message's reaction form (CSRF field, counts as buttons and the five choices, ≈ 1 KB
  // from …/reactions/ instead of its ≈ 12 KB page) and opens it in the item. `refresh`: the form is
  // open already; swap it, keeping the focus.
  function openHere(item, refresh) {
    var id = item.getAttribute("data-message");
    if (opening[id]) { return; }
    opening[id] = true;
    var address = messageUrl + id + "/";
    fetch(address + "reactions/", { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        opening[id] = false;
        var page = document.createElement("template");
        page.innerHTML = html;
        page = page.content;
        var found = page.querySelector("form[data-react]");
        var current = document.getElementById("m-" + id);
        var old = current && current.querySelector("form[data-react-here]");
        if (!current || !reactLink(current) || (refresh && !old)) { return; }
        if (!found) { if (!refresh) { location.assign(address); } return; }
        styleFrom(page);
        var form = document.importNode(found, true);
        var menu = form.querySelector("details");
        var choices = menu ? Array.prototype.slice.call(menu.querySelectorAll("button")) : [];
        if (menu) { menu.remove(); }
        // The counts (as buttons) and the choices, as one group named like the link that opened it.
        var group = document.createElement("div");
        group.id = "react-" + id;
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", reactLink(current).textContent);
        group.className = "reactions";
        Array.prototype.slice.call(form.querySelectorAll("button")).concat(choices).forEach(function (button) { group.appendChild(button); });
        form.appendChild(group);
        form.setAttribute("data-react-here", "");
        var focused = old && old.contains(document.activeElement) ? document.activeElement.value : null;
        if (old) { old.remove(); }
        showHere(current, form);
        if (refresh && focused === null) { return; }
        var target = (focused && form.querySelector('button[value="' + focused + '"]')) || choices[0] || form.querySelector("button");
        if (target) { target.focus(); }
      })
      .catch(function () {
        opening[id] = false;
        // Without the network (or the form) the link still works: go to the message's page.
        if (!refresh) { location.assign(address); }
      });
  }

  // The rules for the reaction buttons, sent with the form: list pages leave them out to stay small.
  function styleFrom(page) {
    if (styled) { return; }
    Array.prototype.forEach.call(page.querySelectorAll("style"), function (sheet) {
      if (sheet.textContent.indexOf(".react-more") < 0) { return; }
      var style = document.createElement("style");
      style.setAttribute("nonce", nonce);
      style.textContent = sheet.textContent;
      document.head.appendChild(style);
      styled = true;
    });
  }

  // A reaction that wasn't saved: said beside the message ("" clears it), and read out at once.
  function problem(item, text) {
    item = document.getElementById(item.id) || item;
    var note = item.querySelector("[data-react-problem]");
    if (!text) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("p");
      note.className = "error-message";
      note.setAttribute("role", "alert");
      note.setAttribute("data-react-problem", "");
      item.appendChild(note);
    }
    note.textContent = text;
  }

  // Says the message's counts once a reaction made in place has come back from the server.
  function announce(id) {
    var item = document.getElementById("m-" + id);
    if (!item) { return; }
    if (!said) {
      said = document.createElement("p");
      said.className = "visually-hidden";
      said.setAttribute("aria-live", "polite");
      list.parentNode.insertBefore(said, list.nextSibling);
    }
    said.textContent = Array.prototype.map.call(countsOf(item), function (count) { return count.textContent.trim(); }).join(", ");
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function showQueue(problem) {
    if (!note) { return; }
    if (problem) { note.textContent = problem; return; }
    if (!queue.length || (!stalled && navigator.onLine !== false)) { note.textContent = ""; return; }
    var words = ngettext("%(count)s message is waiting to send: “%(start)s”. It will go as soon as you're back online.", "%(count)s messages are waiting to send: “%(start)s”. They'll go as soon as you're back online.", queue.length);
    note.textContent = fill(words, { count: queue.length, start: queue[0].text.slice(0, 80) });
  }

  function flush() {
    if (sending || !queue.length) { return; }
    sending = true;
    var item = queue[0];
    fetch(form.getAttribute("action"), { method: "POST", body: item.data, credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.status === 200 || response.status === 201) {
          return response.text().then(function (html) { queue.shift(); place(html); sending = false; stalled = false; showQueue(); flush(); });
        }
        if (response.status >= 400 && response.status < 500) {
          // Refused for a reason retrying won't fix: say why and give the text back to change it.
          return response.text().then(function (text) {
            queue.shift();
            sending = false;
            var box = form.querySelector("textarea");
            if (box && !box.value) { box.value = item.text; }
            showQueue(fill(gettext("Not sent: %(reason)s"), { reason: text.slice(0, 300) }));
          });
        }
        throw new Error(String(response.status));
      })
      .catch(function () {
        sending = false;
        stalled = true;
        var outbox = window.CareCircleOutbox;
        if (!outbox) { showQueue(); return; }
        // Kept on the device instead, so the messages survive closing the page: the outbox sends
        // them on reconnect, with the same client ids, so one already received is not repeated.
        var kept = queue.splice(0, queue.length);
        kept.reduce(function (chain, waiting) {
          return chain.then(function () {
            return outbox.keep({ action: form.getAttribute("action"), fields: outbox.fieldsOf(waiting.data), label: fill(gettext("your message “%(start)s”"), { start: waiting.text.slice(0, 80) }) });
          });
        }, Promise.resolve()).then(function () { stalled = false; showQueue(); }, function () {
          queue = kept.concat(queue);
          showQueue();
        });
      });
  }

  if (form) {
    // This page may be a copy kept for offline reading, whose id was used already: start afresh.
    var firstId = form.querySelector("input[name=client_id]");
    if (firstId) { firstId.value = newClientId(); }
    form.addEventListener("submit", function (event) {
      var files = form.querySelector("input[type=file]");
      if (files && files.files && files.files.length) { return; }
      event.preventDefault();
      var box = form.querySelector("textarea");
      var text = box ? box.value : "";
      if (!text.trim()) { showQueue(gettext("Write a message before sending.")); return; }
      queue.push({ data: new FormData(form), text: text });
      box.value = "";
      var reply = form.querySelector("input[name=reply_to]");
      if (reply) { reply.value = ""; }
      // Sent as a reply: the "Replying to" banner goes, and so does ?reply_to= from the address.
      var banner = form.querySelector("[data-replying]");
      if (banner) { banner.remove(); }
      if (window.history && history.replaceState && /[?&]reply_to=/.test(location.search)) {
        var address = new URL(location.href);
        address.searchParams.delete("reply_to");
        history.replaceState(history.state, "", address.pathname + address.search + address.hash);
      }
      form.querySelector("input[name=client_id]").value = newClientId();
      showQueue();
      flush();
    });
  }

  list.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.hasAttribute("data-react") || !event.submitter) { return; }
    event.preventDefault();
    var item = target.closest("li[data-message]");
    var id = item.getAttribute("data-message");
    var body = new FormData(target, event.submitter);
    // Chosen in place: the buttons are disabled at once, so a second click presses nothing (nor
    // what would move under the pointer), the focus goes back to "React", and the refreshed item
    // replaces them with the server's counts. Each button sets a state ("heart:1"), never a
    // toggle, so even a repeated post changes nothing.
    var here = target.hasAttribute("data-react-here");
    if (here) {
      target.removeAttribute("data-react-here");
      Array.prototype.forEach.call(target.querySelectorAll("button"), function (button) { button.disabled = true; });
      var link = reactLink(item);
      link.setAttribute("aria-expanded", "false");
      link.focus();
    }
    function done() {
      if (!here) { return; }
      // Still there if the refresh failed: close the choices by hand.
      if (target.isConnected) {
        target.remove();
        Array.prototype.forEach.call(countsOf(item), function (count) { count.hidden = false; });
      }
      announce(id);
    }
    function failed(reason) {
      done();
      problem(item, reason || gettext("Your reaction wasn't saved, as the connection failed. Try again."));
      if (!here) { Array.prototype.forEach.call(target.querySelectorAll("button"), function (b) { b.disabled = false; }); }
    }
    problem(item, "");
    fetch(target.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.ok) { return refetch(id).then(done, done); }
        // Refused: say why (the server's own words when it sends them), never fail in silence.
        var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
        return (plain ? response.text() : Promise.resolve("")).then(function (text) {
          failed(text.slice(0, 300) || gettext("Your reaction wasn't saved. Reload the page and try again."));
        });
      }, function () { failed(""); });
  });

  list.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    // A click with a modifier key opens the message's page as a link does.
    if (!link || event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    var item = link.closest("li[data-message]");
    if (!item || link !== reactLink(item)) { return; }
    event.preventDefault();
    // The second click of a double click leaves the choices open.
    if (event.detail > 1) { return; }
    if (item.querySelector("form[data-react-here]")) { closeHere(item, true); } else { openHere(item, false); }
  });

  list.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest("form[data-react-here]");
    if (!form) { return; }
    event.preventDefault();
    closeHere(form.closest("li[data-message]"), true);
  });

  document.addEventListener("carecircle:event", function (event) {
    var data = event.detail || {};
    if (data.type === "hello") { fetchNew(); flush(); return; }
    if (String(data.circle) !== circle || String(data.conversation) !== conversation) { return; }
    if (data.type === "message.posted") { fetchNew(); } else if (data.message) { refetch(data.message); }
  });
  // A message the outbox sent after a reconnect appears here like any other.
  document.addEventListener("carecircle:outbox-sent", function (event) {
    if (form && event.detail && new URL(event.detail.action, location.href).pathname === new URL(form.action, location.href).pathname) {
      place(event.detail.html);
    }
  });
  window.addEventListener("online", flush);
  // A failed send is retried on reconnect; this covers a network that returns without a new socket.
  setInterval(flush, 5000);
})();
