// Leptodo's service worker: the todo page opens without a network. Served by the server at /sw.js (see
// service_worker.rs), which fills in the build's name and files; a new build is a new worker, which takes over
// and deletes the old build's files.
//
// - The build's files (/pkg/…, fingerprinted, never changing under their names) come from the cache without
//   asking the network (a debug build, without fingerprints, asks the network first).
// - The todo page (/, /active, /completed) comes from the network; a copy of the last one is kept and shown when
//   the network cannot be reached (or takes longer than PAGE_WAIT_MS).
// - Everything else, and every request that is not a GET (server functions, the JSON API, the event stream
//   under /api/), is left to the browser untouched.
// - The copy belongs to one login, which every page names in its Leptodo-Login header: a page of another login,
//   or of none (the login page after logging out), deletes it.
"use strict";

const BUILD = "__BUILD__";
const BUILD_FILES = __BUILD_FILES__;
const FILES_CACHE = `leptodo-files-${BUILD}`;
const PAGES_CACHE = "__PAGES_CACHE__";
const DATABASE = "__DATABASE__";
const TODO_PAGES = ["/", "/active", "/completed"];
const LOGIN_HEADER = "__LOGIN_HEADER__";
// Fingerprinted file names never change content; without fingerprints (a debug build), the network comes first.
const FINGERPRINTED = __FINGERPRINTED__;
const PAGE_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(FILES_CACHE)
      .then((cache) => cache.addAll(BUILD_FILES))
      .then(() => self.skipWaiting()),
  );
});

// A new build's worker deletes the old build's files, and with them the kept page, which names those files: the
// next todo page opened online is kept again.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("leptodo-files-") && name !== FILES_CACHE)
            .concat(names.some((name) => name.startsWith("leptodo-files-") && name !== FILES_CACHE) ? [PAGES_CACHE] : [])
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/pkg/")) {
    event.respondWith(FINGERPRINTED ? fromCacheFirst(request) : fromNetworkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigation(event, url.pathname));
  }
});

/** A build file: the cache's copy, else the network's (kept for next time). */
async function fromCacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(FILES_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

/** A build file of a debug build: the network's, else the cache's. */
async function fromNetworkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      caches.open(FILES_CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}

/** A page: the network's answer; for the todo page, the kept copy when the network fails or is too slow. */
async function navigation(event, path) {
  const isTodoPage = TODO_PAGES.includes(path);
  const fromNetwork = fetch(event.request);
  // Told now, while the event is being handled: keeping the copy may outlast the answer.
  event.waitUntil(
    fromNetwork.then((response) => keepOrForget(response.clone(), isTodoPage ? path : null)).catch(() => {}),
  );
  if (!isTodoPage) return fromNetwork;
  const kept = () => keptPage(path);
  const late = new Promise((resolve) => setTimeout(() => resolve(null), PAGE_WAIT_MS));
  try {
    const first = await Promise.race([fromNetwork, late.then(kept)]);
    if (first) return first;
    return await fromNetwork;
  } catch (error) {
    const copy = await kept();
    if (copy) return copy;
    return offlinePage();
  }
}

/** Keeps a copy of a todo page the network answered, and forgets the copy on a page of another login. */
async function keepOrForget(response, todoPath) {
  if (response.type !== "basic" || !response.ok) return;
  const login = response.headers.get(LOGIN_HEADER);
  const kept = await keptPage("/");
  if (!login || (kept && kept.headers.get(LOGIN_HEADER) !== login)) {
    await caches.delete(PAGES_CACHE);
  }
  // No login any more: the list and the outbox the pages kept go too (they belong to a login that has ended).
  if (!login) indexedDB.deleteDatabase(DATABASE);
  if (todoPath && login) {
    const cache = await caches.open(PAGES_CACHE);
    await cache.put(todoPath, response);
  }
}

/** The kept copy of the todo page at `path`, or of any of them (the page picks its filter from the address). */
async function keptPage(path) {
  // Looked up by name: opening the cache would make it.
  for (const candidate of [path, ...TODO_PAGES]) {
    const page = await caches.match(candidate, { cacheName: PAGES_CACHE });
    if (page) return page;
  }
  return null;
}

function offlinePage() {
  const html =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Offline · Leptodo</title></head>' +
    "<body><main><h1>You are offline</h1><p>Leptodo cannot be reached, and this browser has no copy of your list. " +
    "Try again when you are back online.</p></main></body></html>";
  return new Response(html, { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
}
