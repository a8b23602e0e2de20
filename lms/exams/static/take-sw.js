// Service worker of the online test page only (registered with the page's own path as its scope).
//
// It keeps two things for a reload without network: the take page itself and the static files (scripts,
// styles) it loaded. Network first, so an online student always gets the current page; the copy is used only
// when the network fails. It never answers or stores an API request: the paper is kept by the page (it is its
// own data, without any key) and answers stay in the page's localStorage until the server acknowledges them.
"use strict";
var CACHE = "lms-take-page-v1";
var PAGE = /^\/exams\/\d+\/take$/;
var ASSET = /^\/(?:[a-z_]+\/)?static\/[A-Za-z0-9_\-./]+\.(?:js|css|woff2?|ttf)$/;

function keepable(url) {
  return url.origin === self.location.origin && (PAGE.test(url.pathname) || ASSET.test(url.pathname));
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.keep) {
    // The page lists what it loaded before this worker controlled it; only the page and static files are kept.
    var urls = data.keep.map(function (u) { return new URL(u, self.location.origin); }).filter(keepable);
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url.href, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) { return cache.put(url.pathname, resp); }
        }).catch(function () { /* offline right now: the next load fills it */ });
      }));
    }));
  } else if (data.forget) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.delete(data.forget); }));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (!keepable(url)) { return; }  // the API and every other page: straight to the network, never stored
  event.respondWith(fetch(request).then(function (resp) {
    if (resp.ok && !resp.redirected) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(url.pathname); }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
