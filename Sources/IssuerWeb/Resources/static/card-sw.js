// The card page's service worker: keeps the page shell and its assets
// (never tokens or personal data: those live in the page's own storage),
// so the card opens without signal. The issuer fills in the list and the
// version; a new release replaces the old copy.
"use strict";

const CACHE = "alumnicard-card-__VERSION__";
const SHELL = __SHELL__;
const NETWORK_TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith("alumnicard-card-") && name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === "/card" && request.mode === "navigate") {
    // The network first (a new release, a signed-out visitor), the kept shell without signal.
    event.respondWith(withTimeout(fetch(request), NETWORK_TIMEOUT_MS)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put("/card", copy));
        }
        return response;
      })
      .catch(() => caches.match("/card").then((kept) => kept || Response.error())));
    return;
  }
  if (SHELL.includes(url.pathname + url.search)) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
  }
});
