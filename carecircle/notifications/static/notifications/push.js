// "Notify this device" / "Stop notifying this device" on the preferences page
// (docs/architecture/notifications.md, "Push"). Without JavaScript the page says push needs it and
// every other channel still works; the server-rendered list of devices can still turn one off.
(function () {
  "use strict";
  var form = document.querySelector("[data-push-form]");
  if (!form || !window.fetch || !window.Promise) { return; }
  var controls = form.querySelector("[data-push-controls]");
  var state = form.querySelector("[data-push-state]");
  var turnOn = form.querySelector("[data-push-on]");
  var turnOff = form.querySelector("[data-push-off]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var serverKey = form.getAttribute("data-push-key");
  form.querySelector("[data-push-without-script]").hidden = true;
  controls.hidden = false;

  function say(text) { state.textContent = text; }

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

  hide(turnOff, true);

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    hide(turnOn, true);
    say("This browser can't show push notifications. CareCircle's own notifications, emails and text messages still work.");
    return;
  }

  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      return response.json().then(function (data) {
        throw new Error(data && data.detail ? data.detail : "The server couldn't save it.");
      }, function () { throw new Error("The server couldn't save it. Try again in a moment."); });
    });
  }

  var registration = navigator.serviceWorker.register(form.getAttribute("data-push-worker"))
    .then(function () { return navigator.serviceWorker.ready; });

  function current() {
    return registration.then(function (ready) { return ready.pushManager.getSubscription(); });
  }

  function known(subscription) {
    if (!subscription) { return Promise.resolve(false); }
    return fetch(form.getAttribute("data-push-devices"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) { return response.ok ? response.json() : { devices: [] }; })
      .then(function (data) {
        return data.devices.some(function (device) { return device.endpoint === subscription.endpoint && !device.failing; });
      });
  }

  function blocked() {
    say("Notifications are blocked for CareCircle in this browser's settings. Allow them there, then come back to this page.");
    show(false, false);
    turnOn.disabled = true;
  }

  turnOn.addEventListener("click", function () {
    turnOn.disabled = true;
    say("Turning push notifications on…");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { blocked(); return null; }
      return registration.then(function (ready) {
        return ready.pushManager.getSubscription().then(function (old) {
          // A subscription made with an older server key can't be used: replace it.
          return old ? old.unsubscribe() : true;
        }).then(function () {
          return ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(serverKey) });
        });
      }).then(function (subscription) {
        return post(form.getAttribute("data-push-subscribe"), subscription.toJSON());
      }).then(function () {
        say("Done: this device will get push notifications for the news you ticked.");
        show(true, true);
      });
    }).catch(function (error) {
      say("Push notifications couldn't be turned on: " + error.message);
      show(false, true);
    });
  });

  turnOff.addEventListener("click", function () {
    turnOff.disabled = true;
    say("Turning push notifications off…");
    current().then(function (subscription) {
      if (!subscription) { return null; }
      return post(form.getAttribute("data-push-unsubscribe"), { endpoint: subscription.endpoint })
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () {
      say("Done: this device won't get push notifications any more.");
      show(false, true);
    }).catch(function (error) {
      say("Push notifications couldn't be turned off: " + error.message);
      show(true, true);
    });
  });

  if (Notification.permission === "denied") { blocked(); return; }
  current().then(known).then(function (on) {
    say(on ? "This device gets push notifications." : "This device doesn't get push notifications.");
    show(on, false);
  }).catch(function () {
    say("This device doesn't get push notifications.");
    show(false, false);
  });
})();
