// The outbox: what a member writes while offline (a message, "I'll do it", a daily note) is kept in
// IndexedDB on this device and sent once the network is back: at every page load and on the
// `online` event, one item after another, in the order written. Each message and note carries its
// client id, and taking help is the same request twice, so the server never makes a duplicate even
// if a reply was lost on the way. What the server refuses (someone else took the last place) is
// told in plain words and not tried again. Without JavaScript forms post as usual.
// docs/architecture/offline.md
(function () {
  "use strict";
  var script = document.currentScript;
  if (!window.indexedDB || !window.fetch || !window.Promise || !script) { return; }
  var reader = script.getAttribute("data-reader") || "";
  var status = document.querySelector("[data-outbox-status]");
  // Translated words, when the page isn't in English (web/script_words.py loads them first).
  var words = window.carecircleWords || {};
  // A function, so a "$" in what someone wrote is never read as a replacement pattern.
  function word(key, english, label) { return (words[key] || english).replace("{label}", function () { return label || ""; }); }
  var STORE = "items";
  var running = null;

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("carecircle-outbox", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function all() { return store("readonly", function (items) { return items.getAll(); }); }
  function remove(id) { return store("readwrite", function (items) { return items.delete(id); }); }

  var said = [];
  function say(text) {
    if (!status) { return; }
    said.push(text);
    var list = document.createElement("ul");
    said.slice(-5).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    status.replaceChildren(list);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function fieldsOf(data) {
    var fields = [];
    data.forEach(function (value, name) { if (typeof value === "string") { fields.push([name, value]); } });
    return fields;
  }

  // Keep one write: {action, fields: [[name, value]], label}. Resolves once it is safely stored.
  function keep(write) {
    var item = { action: write.action, fields: write.fields, label: write.label, reader: reader, at: Date.now() };
    return store("readwrite", function (items) { return items.add(item); }).then(function () {
      say(word("outbox.kept", "Kept on this device: {label}. It will be sent when you're back online.", write.label));
    });
  }

  // Why the server refused, in its own words: text, or the first paragraph of a problem page.
  function reasonOf(response) {
    return response.text().then(function (text) {
      if (!/html/.test(response.headers.get("Content-Type") || "")) { return text.slice(0, 300); }
      var page = new DOMParser().parseFromString(text, "text/html");
      var found = page.querySelector("main h1 + p") || page.querySelector(".error-summary, main p");
      return found ? found.textContent.trim().slice(0, 300) : "";
    });
  }

  // Send one item. Resolves true to go on with the next, false to stop and try again later.
  function send(item) {
    if (item.reader !== reader) {
      // Written by someone else who was signed in on this device: never sent as this person.
      return remove(item.id).then(function () { return true; });
    }
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(item.action, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.headers.get("X-Offline-Reader") === "none") {
          say(word("outbox.sign_in", "Sign in again to send what you wrote offline: {label}.", item.label));
          return false;
        }
        if (response.ok) {
          return response.text().then(function (html) {
            return remove(item.id).then(function () {
              say(word("outbox.sent", "Sent: {label}.", item.label));
              document.dispatchEvent(new CustomEvent("carecircle:outbox-sent", { detail: { action: item.action, html: html } }));
              return true;
            });
          });
        }
        if (response.status >= 400 && response.status < 500) {
          return reasonOf(response).then(function (reason) {
            return remove(item.id).then(function () {
              say(word("outbox.not_sent", "Not sent: {label}.", item.label) + " " + (reason || word("outbox.refused", "It was refused; reload the page to see why.")));
              return true;
            });
          });
        }
        return false;
      }, function () { return false; });
  }

  function sendAll() {
    return all().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function (goOn) { return goOn ? send(item) : false; });
      }, Promise.resolve(true));
    });
  }

  // One replay at a time: across tabs with Web Locks, within this page with a promise.
  function replay() {
    if (offline()) { return Promise.resolve(); }
    if (running) { return running; }
    var go = navigator.locks ? navigator.locks.request("carecircle-outbox", sendAll) : sendAll();
    running = go.catch(function () {}).then(function () { running = null; });
    return running;
  }

  function offline() { return navigator.onLine === false || document.querySelector("[data-offline-banner]") !== null; }

  // Forms marked data-outbox="what it is" are kept instead of posted while offline.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-outbox") || !offline()) { return; }
    event.preventDefault();
    var data = new FormData(form, event.submitter);
    var fields = fieldsOf(data);
    var withFile = false;
    data.forEach(function (value) { if (typeof value !== "string" && value.size) { withFile = true; } });
    if (withFile) { say(word("outbox.no_files", "Files and photos can't be kept offline. Send them when you're back online.")); return; }
    var idField = form.querySelector("input[name=client_id]");
    if (idField) {
      // A saved page's id may have been used already: each kept write gets its own.
      var id = newClientId();
      fields = fields.map(function (pair) { return pair[0] === "client_id" ? ["client_id", id] : pair; });
      idField.value = newClientId();
    }
    keep({ action: form.action, fields: fields, label: form.getAttribute("data-outbox") }).then(function () {
      form.reset();
      var button = form.querySelector("button[type=submit]");
      if (button && form.hasAttribute("data-outbox-once")) { button.disabled = true; }
    }, function () { say(word("outbox.not_kept", "This couldn't be kept on this device. Copy what you wrote and try again when you're online.")); });
  });

  window.CareCircleOutbox = { keep: keep, fieldsOf: fieldsOf, replay: replay };
  // Back online on a saved copy: say so (the banner is no longer true), then send.
  window.addEventListener("online", function () {
    var banner = document.querySelector("[data-offline-banner]");
    if (banner) {
      banner.removeAttribute("data-offline-banner");
      banner.querySelector("p").textContent = "You're back online. Reload the page to see the latest.";
    }
    replay();
  });
  // Networks come back without telling the page (captive Wi-Fi, a phone waking): try now and then.
  setInterval(replay, 15000);
  replay();
})();
