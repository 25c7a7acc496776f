// Installs the service worker (/sw.js) for a signed-in member, and on the offline page lists the
// pages this device has kept. Without JavaScript, or without service workers, nothing changes.
// docs/architecture/offline.md
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !window.caches || !script) { return; }
  var worker = script.getAttribute("data-worker");
  if (worker) {
    navigator.serviceWorker.register(worker, { scope: "/" }).catch(function () {});
  }

  var list = document.querySelector("[data-saved-pages]");
  if (!list) { return; }
  function titleOf(html) {
    var match = /<title>([^<]*)<\/title>/.exec(html);
    var holder = document.createElement("textarea");
    holder.innerHTML = match ? match[1].replace(/ · CareCircle$/, "") : "A saved page";
    return holder.value;
  }
  caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("carecircle-pages-") === 0; }).map(function (name) {
      return caches.open(name).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (request) {
            return cache.match(request).then(function (response) {
              return response.text().then(function (html) { return { url: request.url, title: titleOf(html) }; });
            });
          }));
        });
      });
    }));
  }).then(function (groups) {
    var pages = [].concat.apply([], groups).reverse();
    if (!pages.length) { return; }
    pages.forEach(function (saved) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = saved.url;
      link.textContent = saved.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    var none = document.querySelector("[data-no-saved-pages]");
    if (none) { none.hidden = true; }
    list.hidden = false;
  }).catch(function () {});
})();
