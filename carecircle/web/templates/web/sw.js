// CareCircle's service worker (served at /sw.js by web.offline; docs/architecture/offline.md).
// It only adds: every page works without it. It keeps the shell (scripts, icons, the offline page)
// and the last copy of the pages the server marks `X-Offline-Copy: keep` (a member's record,
// upcoming help, conversations), fetched from the network first; offline, it shows that copy with a
// "Saved at 14:05 today — you're offline" banner. It never keeps anything else: not sign-in pages,
// share-link or invitation pages, the API, fragments, or any response marked no-store.
"use strict";
var VERSION = "{{ version }}";
var SHELL = "carecircle-shell-" + VERSION;
var PAGES = "carecircle-pages-";
var SHELL_URLS = {{ shell|safe }};
var OFFLINE_URL = "{% url 'web:offline' %}";
var NOTIFICATIONS_URL = "{% url 'notifications:list' %}";
var ICON_URL = "{{ icon_url }}";
var STATIC_URL = "{{ static_url }}";
// Hashed names never change content, so any static file may be kept; unhashed (`make run`) only the shell.
var KEEP_ANY_STATIC = {{ hashed|yesno:"true,false" }};
var MAX_PAGES = 40;
var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("carecircle-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(event, request));
  } else if (url.pathname.indexOf(STATIC_URL) === 0) {
    event.respondWith(staticFile(request));
  }
});

// Pages: the network first, always; the kept copy only when the network fails.
function page(event, request) {
  return fetch(request).then(function (response) {
    event.waitUntil(settle(request, response.clone()));
    return response;
  }, function () { return saved(request); });
}

function keepable(response) {
  return response.status === 200 && response.type === "basic" &&
    response.headers.get("X-Offline-Copy") === "keep" &&
    !/no-store/.test(response.headers.get("Cache-Control") || "");
}

// After each page from the network: drop pages kept for anyone else, then keep or forget this one.
function settle(request, response) {
  var reader = response.headers.get("X-Offline-Reader");
  if (!reader) { return Promise.resolve(); }
  return forgetAllBut(reader === "none" ? "" : PAGES + reader).then(function () {
    if (reader === "none" || response.status >= 500) { return; }
    return caches.open(PAGES + reader).then(function (cache) {
      // Deleted first, so a page kept again moves to the end and the oldest go first.
      return cache.delete(request.url).then(function () {
        if (keepable(response)) { return keep(cache, request, response); }
      });
    });
  });
}

function forgetAllBut(name) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (other) {
      return other.indexOf(PAGES) === 0 && other !== name;
    }).map(function (other) { return caches.delete(other); }));
  });
}

function keep(cache, request, response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
    headers.set("X-Saved-At", String(Date.now()));
    return cache.put(request.url, new Response(html, { status: 200, headers: headers }));
  }).then(function () { return cache.keys(); }).then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (key) { return cache.delete(key); }));
  });
}

function saved(request) {
  return caches.keys().then(function (names) {
    var pages = names.filter(function (name) { return name.indexOf(PAGES) === 0; });
    return pages.reduce(function (found, name) {
      return found.then(function (copy) {
        return copy || caches.open(name).then(function (cache) { return cache.match(request.url); });
      });
    }, Promise.resolve(undefined));
  }).then(function (copy) {
    if (copy) { return withBanner(copy); }
    return caches.match(OFFLINE_URL, { cacheName: SHELL }).then(function (offline) {
      return offline || new Response("You're offline, and this page hasn't been saved on this device.", {
        status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
      });
    });
  });
}

function two(number) { return (number < 10 ? "0" : "") + number; }

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// "at 14:05 today", "at 09:30 yesterday", "at 18:10 on 2 December": the device's own clock.
function savedWhen(when) {
  var now = new Date();
  var yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  var day = sameDay(when, now) ? "today" : sameDay(when, yesterday) ? "yesterday" : "on " + when.getDate() + " " + MONTHS[when.getMonth()];
  return "at <time datetime=\"" + when.toISOString() + "\">" + two(when.getHours()) + ":" + two(when.getMinutes()) + "</time> " + day;
}

function withBanner(copy) {
  var when = new Date(parseInt(copy.headers.get("X-Saved-At"), 10) || Date.now());
  var banner = "<div class=\"offline-banner\" role=\"status\" data-offline-banner><p><strong>Saved " + savedWhen(when) +
    " — you're offline.</strong> This is the copy kept on this device, so it may be out of date. " +
    "Messages and offers of help you send now are kept and sent when you're back online.</p></div>";
  return copy.text().then(function (html) {
    var body = html.replace(/<main\b[^>]*>/, function (tag) { return tag + banner; });
    return new Response(body, { status: 200, headers: copy.headers });
  });
}

// Static files: the shell from its cache; anything else from the network (kept when hashed).
function staticFile(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (KEEP_ANY_STATIC && response.ok && response.type === "basic") { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

// Push (docs/architecture/notifications.md): the payload is {title, body, url, tag}, decrypted by the
// browser. Nothing is fetched or kept; the notification opens the page it names, on this site only.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var title = typeof data.title === "string" && data.title ? data.title : "CareCircle";
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.tag === "string" ? data.tag : undefined,
    icon: ICON_URL,
    data: { url: sameSite(data.url) }
  }));
});

// Only a path on this site is ever opened; anything else opens the notifications page.
function sameSite(address) {
  var fallback = new URL(NOTIFICATIONS_URL, self.location.origin).href;
  if (typeof address !== "string" || !address) { return fallback; }
  try {
    var url = new URL(address, self.location.origin);
    return url.origin === self.location.origin ? url.href : fallback;
  } catch (error) { return fallback; }
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = sameSite(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    // A tab already on that page is brought forward; otherwise one of ours is sent there, or a new one opened.
    var exact = windows.filter(function (client) { return client.url === target; })[0];
    if (exact) { return exact.focus(); }
    var ours = windows.filter(function (client) { return new URL(client.url).origin === self.location.origin; })[0];
    if (ours && "navigate" in ours) {
      return ours.focus().then(function (client) { return (client || ours).navigate(target); });
    }
    return self.clients.openWindow(target);
  }));
});
