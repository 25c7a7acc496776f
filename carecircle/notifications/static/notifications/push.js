// "Notify this device" / "Stop notifying this device" on the push page, one link from the preferences
// page (docs/architecture/notifications.md, "Push"). Its sentences are English here and come
// translated from window.carecircleWords (web/script_words.py, loaded before it on a page in another
// language), so the page carries none of them. Without JavaScript the page says push needs it; the
// server-drawn device list can still turn a device off, and everything else on the page works.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box || !window.fetch || !window.Promise) { return; }
  var state = box.querySelector("[data-push-state]");
  var turnOn = box.querySelector("[data-push-on]");
  var turnOff = box.querySelector("[data-push-off]");
  var words = window.carecircleWords || {};
  function word(key, english) { return words[key] || english; }
  function say(text) { state.textContent = text; }

  box.querySelector("[data-push-without-script]").hidden = true;
  box.querySelector("[data-push-controls]").hidden = false;

  // The site's button style sets display, which would win over the hidden attribute alone.
  function hide(button, hidden) {
    button.hidden = hidden;
    button.style.display = hidden ? "none" : "";
  }

  function show(on, focus) {
    hide(turnOn, on);
    hide(turnOff, !on);
    turnOn.disabled = false;
    turnOff.disabled = false;
    // The pressed button disappears: keep keyboard focus on the one that replaces it.
    if (focus) { (on ? turnOff : turnOn).focus(); }
  }

  hide(turnOn, true);
  hide(turnOff, true);

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(word("push.unsupported", "This browser can't show push notifications. CareCircle's own notifications, emails and text messages still reach you."));
    return;
  }

  // A push service that never answers must not leave the page saying "Turning on…" for ever.
  function within(promise) {
    return Promise.race([promise, new Promise(function (resolve, reject) {
      window.setTimeout(function () { reject(new Error("timeout")); }, 20000);
    })]);
  }

  function keyBytes(value) {
    var raw = window.atob((value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function api(url, body) {
    return fetch(url, {
      method: body ? "POST" : "GET",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": box.getAttribute("data-csrf") },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    });
  }

  var ready = navigator.serviceWorker.register(box.getAttribute("data-push-worker"))
    .then(function () { return navigator.serviceWorker.ready; });

  function current() {
    return ready.then(function (registration) { return registration.pushManager.getSubscription(); });
  }

  function blocked() {
    say(word("push.blocked", "Notifications are blocked for CareCircle in this browser's settings. Allow them there, then come back to this page."));
    show(false, false);
    turnOn.disabled = true;
  }

  turnOn.addEventListener("click", function () {
    turnOn.disabled = true;
    say(word("push.turning_on", "Turning push notifications on…"));
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { blocked(); return; }
      return within(ready.then(function (registration) {
        return registration.pushManager.getSubscription().then(function (old) {
          // A subscription made with an older server key can't be used: replace it.
          return old ? old.unsubscribe() : true;
        }).then(function () {
          return registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-push-key"))
          });
        });
      })).then(function (subscription) {
        return api(box.getAttribute("data-push-subscribe"), subscription.toJSON());
      }).then(function () {
        say(word("push.on_done", "Done: this device will get push notifications for the news you ticked for them above."));
        show(true, true);
      });
    }).catch(function () {
      say(word("push.on_failed", "Push notifications couldn't be turned on in this browser. CareCircle's own notifications, emails and text messages still reach you."));
      show(false, true);
    });
  });

  turnOff.addEventListener("click", function () {
    turnOff.disabled = true;
    say(word("push.turning_off", "Turning push notifications off…"));
    current().then(function (subscription) {
      if (!subscription) { return null; }
      return api(box.getAttribute("data-push-unsubscribe"), { endpoint: subscription.endpoint })
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () {
      say(word("push.off_done", "Done: this device won't get push notifications any more."));
      show(false, true);
    }).catch(function () {
      say(word("push.off_failed", "Push notifications couldn't be turned off. Try again in a moment."));
      show(true, true);
    });
  });

  if (Notification.permission === "denied") { blocked(); return; }
  // On only if this browser has a subscription and the server still takes it (not removed or failing).
  current().then(function (subscription) {
    if (!subscription) { return false; }
    return api(box.getAttribute("data-push-devices")).then(function (data) {
      return data.devices.some(function (device) { return device.endpoint === subscription.endpoint && !device.failing; });
    });
  }).then(function (on) {
    say(on ? word("push.on", "This device gets push notifications.") : word("push.off", "This device doesn't get push notifications."));
    show(on, false);
  }, function () {
    say(word("push.off", "This device doesn't get push notifications."));
    show(false, false);
  });
})();
