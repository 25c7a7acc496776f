// Live conversation: new messages appear as they are posted, edits and reactions update in place,
// and a message written while offline is kept on the device (web/outbox.js) until it can be sent. Each message is
// posted with its own client id, so a retry never duplicates it, and a message already on the page
// is replaced, never added twice. live.js carries the events; without this script the forms post
// and the page reloads.
(function () {
  "use strict";
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
        existing.replaceWith(item);
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
    if (!document.getElementById("m-" + id)) { return; }
    fetch(list.getAttribute("data-message-url") + id + "/", { credentials: "same-origin", headers: headers })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { place(html); } })
      .catch(function () {});
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
    var words = queue.length === 1 ? "1 message is" : queue.length + " messages are";
    note.textContent = words + " waiting to send: “" + queue[0].text.slice(0, 80) + "”. They'll go as soon as you're back online.";
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
            showQueue("Not sent: " + text.slice(0, 300));
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
            return outbox.keep({ action: form.getAttribute("action"), fields: outbox.fieldsOf(waiting.data), label: "your message “" + waiting.text.slice(0, 80) + "”" });
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
      if (!text.trim()) { showQueue("Write a message before sending."); return; }
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
    var id = target.closest("li[data-message]").getAttribute("data-message");
    fetch(target.getAttribute("action"), { method: "POST", body: new FormData(target, event.submitter), credentials: "same-origin", headers: headers })
      .then(function () { refetch(id); })
      .catch(function () {});
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
