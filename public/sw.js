// Hoard's service worker: keeps the app usable with no network and no server.
//
// - The app shell (WASM, JS, CSS, icons, manifest) and every page the user
//   visits are cached. The bundle's files have content-hashed names, so
//   they are answered from the cache at once (a name never changes content);
//   pages and the other shell files go network first: online the server's
//   answer wins and refreshes the cache; offline (or when the server is down)
//   the cached copy answers. The app reports pages reached without a
//   navigation (its first load, in-app links) so they are cached too. A page
//   never visited redirects to "On this device".
// - /audio/{id} and /covers/{album id} are answered from IndexedDB (the
//   `hoard` database the app writes, see app/src/device.rs) when the track is
//   kept on the device, with Range support so the player can seek. Other
//   covers (`/covers/…?size=N`, `/covers/playlists/{id}`) go network first
//   and are kept in the COVERS cache, so a visited page shows its cover
//   offline.
// - The copy of the library's metadata (app/src/library_copy.rs) is brought
//   up to date here, off the page's main thread: the page asks ("copy-
//   library"), the worker reads the vault's change feed a page at a time and
//   stores each page with its cursor in one transaction, then answers on the
//   message's port.
// - Keeping goes on when the tab is closed: a keep asks the browser for a
//   Background Fetch of the audio it needs (app/src/device/background.rs).
//   When one ends, what the page has not stored yet is put into the
//   DOWNLOADS cache, each answer marked with its list; /audio/{id} is
//   answered from there too, and the app's next visit stores those tracks
//   from it and drops the entries.
// - A new version installs into a new cache, complete, and waits until the
//   page asks it to take over ("A new version of Hoard is ready"); only then is
//   the old cache dropped.
//
// scripts/build-site stamps BUILD with a hash of the bundle and of this file,
// and BUNDLE with the bundle's file names (all of them), so every new build is a new
// service worker with a cache of its own.
'use strict';

const BUILD = '__HOARD_BUILD__';
const CACHE = `hoard-${BUILD}`;
// Every file of the bundle: scripts, the main WASM, the lazily loaded pages' parts, the stylesheet.
const BUNDLE = ['__HOARD_BUNDLE_FILES__'];
const SHELL = [
  ...BUNDLE,
  '/manifest.webmanifest',
  '/favicon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];
// Pages cached at install: the library and the device view open offline
// even before the user has visited them.
const START_PAGES = ['/', '/device'];
// How long a page or shell file may take from the network before the cached
// copy answers instead (a network that hangs is as bad as none).
const NETWORK_TIMEOUT_MS = 4000;
// Finished background downloads the page has not stored yet (the page names it too).
const DOWNLOADS = 'kept-downloads';
// Covers the pages showed (Hoard's kept covers, in the sizes pages ask for):
// offline, a page that was visited shows its cover again. Not a `hoard-`
// cache, so a new worker keeps it; signing out clears it with the rest.
const COVERS = 'seen-covers';
const LIST_HEADER = 'x-hoard-list';

self.addEventListener('install', (event) => {
  event.waitUntil(fill(CACHE));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('hoard-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') {
    self.skipWaiting();
  } else if (event.data?.type === 'copy-library' && event.ports[0]) {
    const port = event.ports[0];
    // At once, so the page knows this worker copies (an older one would not answer).
    port.postMessage({ ack: true });
    event.waitUntil(
      copyLibrary(event.data)
        .catch((e) => ({ ok: false, offline: false, error: String(e) }))
        .then((answer) => port.postMessage(answer)),
    );
  } else if (event.data?.type === 'visited') {
    // The app moved to a page without a navigation the worker saw (its
    // first load, or a link followed in the app): cache that page too.
    event.waitUntil(remember(event.data.url));
  }
});

async function remember(path) {
  const url = new URL(path, self.location.origin);
  if (url.origin !== self.location.origin || !isPage(url)) return;
  try {
    await cachePage(await caches.open(CACHE), url.pathname + url.search, await fetch(url, { credentials: 'same-origin' }));
  } catch {
    // Offline: whatever is cached stays.
  }
}

/** Caches the shell, the start pages and every page the previous version had. */
async function fill(name) {
  const cache = await caches.open(name);
  await Promise.all(
    SHELL.map(async (url) => {
      const response = await fetch(new Request(url, { cache: 'reload' }));
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      await cache.put(url, await storable(response));
    }),
  );
  const pages = new Set(START_PAGES);
  for (const old of await caches.keys()) {
    if (!old.startsWith('hoard-') || old === name) continue;
    for (const request of await (await caches.open(old)).keys()) {
      const url = new URL(request.url);
      if (isPage(url)) pages.add(url.pathname + url.search);
    }
  }
  await Promise.all(
    [...pages].map(async (url) => {
      try {
        await cachePage(cache, url, await fetch(url, { cache: 'reload', credentials: 'same-origin' }));
      } catch {
        // Offline during the update: the page comes back on the next visit.
      }
    }),
  );
}

/**
 * A response as the cache should keep it: its body as received (decoded),
 * without the Content-Encoding and Content-Length of the compressed file
 * the server sent. Kept as they were, they describe bytes the cache does not
 * hold; measured in Chromium, registration.update() then waited about a
 * minute before it even fetched the new worker (offline.spec.ts's update
 * test went from 13 s to 70 s).
 */
async function storable(response) {
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(await response.arrayBuffer(), { status: response.status, statusText: response.statusText, headers });
}

/** Caches a page's answer: a real page, not an error nor the sign-in page a redirect leads to. */
async function cachePage(cache, key, response) {
  if (response.ok && !response.redirected) await cache.put(key, response);
}

function isPage(url) {
  return !url.pathname.startsWith('/pkg/') && !url.pathname.startsWith('/icons/') && !SHELL.includes(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== 'GET') return;
  let m;
  if ((m = url.pathname.match(/^\/audio\/(\d+)$/))) {
    event.respondWith(fromDevice(request, 'audio', Number(m[1])));
  } else if ((m = url.pathname.match(/^\/covers\/(\d+)$/))) {
    event.respondWith(fromDevice(request, 'covers', Number(m[1])));
  } else if (/^\/covers\/playlists\/\d+$/.test(url.pathname)) {
    event.respondWith(seenCover(request));
  } else if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (BUNDLE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request, url.pathname));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
  // Everything else (server functions, /health, the event stream) goes to
  // the network untouched: its failure is what tells the app it is offline.
});

/** The network's answer within the timeout, or a rejection. */
async function network(request) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
  try {
    return await fetch(request, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** A file whose name is its content's hash: the cached copy is always right. */
async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, await storable(response.clone()));
  return response;
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await network(request);
    if (response.ok) await cache.put(key, await storable(response.clone()));
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function page(request) {
  const url = new URL(request.url);
  const key = url.pathname + url.search;
  const cache = await caches.open(CACHE);
  try {
    const response = await network(request);
    await cachePage(cache, key, response.clone());
    return response;
  } catch {
    const cached = await cache.match(key);
    if (cached) return cached;
    // A page never visited: what is on the device (a redirect, so that the
    // app's router sees the address it renders).
    if (url.pathname !== '/device' && (await cache.match('/device'))) return Response.redirect('/device', 302);
    return new Response(
      '<!doctype html><meta charset="utf-8"><title>Offline · Hoard</title>' +
        '<p>Hoard is offline and has not cached this page yet. Open it once while connected.</p>',
      { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } },
    );
  }
}

/** The `hoard` database if the app has created it; never creates it. */
function openDb() {
  return new Promise((resolve) => {
    let request;
    try {
      request = indexedDB.open('hoard');
    } catch {
      resolve(null);
      return;
    }
    // No database yet: do not create an empty one under the app's feet.
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => {
      const db = request.result;
      // Let the app upgrade its schema whenever it needs to.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
}

/**
 * What `ask(objectStore)` answers, read-only, from the app's `store`; `none`
 * when there is no database or store yet, or the request fails.
 */
async function readStore(store, ask, none) {
  const db = await openDb();
  if (!db) return none;
  try {
    if (!db.objectStoreNames.contains(store)) return none;
    return await new Promise((resolve) => {
      const request = ask(db.transaction(store, 'readonly').objectStore(store));
      request.onsuccess = () => resolve(request.result ?? none);
      request.onerror = () => resolve(none);
    });
  } finally {
    db.close();
  }
}

async function record(store, id) {
  return readStore(store, (s) => s.get(id), null);
}

/** Whether `store` holds a record under `id` (without reading it). */
async function stored(store, id) {
  return (await readStore(store, (s) => s.count(id), 0)) > 0;
}

async function fromDevice(request, store, id) {
  const kept = await record(store, id);
  if (kept) return ranged(request, kept.data, kept.type);
  if (store === 'audio' && (await caches.has(DOWNLOADS))) {
    const downloaded = await (await caches.open(DOWNLOADS)).match(`/audio/${id}`);
    if (downloaded) return ranged(request, await downloaded.arrayBuffer(), downloaded.headers.get('content-type'));
  }
  if (store === 'covers') return seenCover(request);
  return fetch(request);
}

/** A cover from the network, kept for later; offline, the one kept. */
async function seenCover(request) {
  try {
    const response = await network(request);
    if (response.ok) await (await caches.open(COVERS)).put(request.url, await storable(response.clone()));
    return response;
  } catch (error) {
    const kept = await caches.match(request.url, { cacheName: COVERS });
    if (kept) return kept;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Background Fetch (see app/src/device/background.rs).

self.addEventListener('backgroundfetchsuccess', (event) => {
  event.waitUntil(
    settleDownloads(event.registration).then((n) =>
      event.updateUI({ title: n > 0 ? 'Downloaded for this device: open Hoard to finish keeping' : 'Kept on this device' }),
    ),
  );
});

// A fetch that failed part way (a file gone from the vault, a network that
// did not come back): what did arrive is kept all the same.
self.addEventListener('backgroundfetchfail', (event) => {
  event.waitUntil(settleDownloads(event.registration));
});

self.addEventListener('backgroundfetchclick', (event) => {
  event.waitUntil(self.clients.openWindow('/device'));
});

/**
 * Puts each download of a keep's background fetch that the page has not
 * stored on the device into DOWNLOADS, marked with its list's key. Returns
 * how many it put there.
 */
async function settleDownloads(registration) {
  if (!registration.id.startsWith('keep:')) return 0;
  const list = registration.id.slice('keep:'.length);
  let cache = null;
  let put = 0;
  for (const entry of await registration.matchAll()) {
    const m = new URL(entry.request.url).pathname.match(/^\/audio\/(\d+)$/);
    if (!m) continue;
    let response;
    try {
      response = await entry.responseReady;
    } catch {
      continue;
    }
    if (!response.ok || (await stored('audio', Number(m[1])))) continue;
    const download = await storable(response);
    download.headers.set(LIST_HEADER, list);
    cache ??= await caches.open(DOWNLOADS);
    const key = `/audio/${m[1]}`;
    await cache.put(key, download);
    // The page drops an entry once it has stored the track; it may have
    // stored this one between the check above and the put.
    if (await stored('audio', Number(m[1]))) await cache.delete(key);
    else put += 1;
  }
  if (cache && (await cache.keys()).length === 0) await caches.delete(DOWNLOADS);
  return put;
}

/** A 200 with the whole buffer, or a 206 for a satisfiable `Range`, or a 416. */
function ranged(request, data, type) {
  const size = data.byteLength;
  const headers = {
    'content-type': type || 'application/octet-stream',
    'accept-ranges': 'bytes',
    'x-hoard-from': 'device',
  };
  const range = request.headers.get('range');
  if (!range) {
    return new Response(data, { status: 200, headers: { ...headers, 'content-length': String(size) } });
  }
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  let start;
  let end;
  if (m && m[1] !== '') {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  } else if (m && m[2] !== '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  }
  if (start === undefined || start >= size || start > end) {
    return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  }
  return new Response(data.slice(start, end + 1), {
    status: 206,
    headers: { ...headers, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}` },
  });
}

// ---------------------------------------------------------------------------
// The library's copy (see app/src/library_copy.rs for the records' keys and
// shapes: each is the vault's own JSON for the thing, under a key naming it).

/** The object store of the copy: `{key, json}` records. */
const LIBRARY = 'library';
const CURSOR_KEY = 'cursor';
const SMART_TRACKS_KEY = 'smart-tracks';
/** The copy running now, which a second request joins rather than repeat. */
let copying = null;

function copyLibrary(request) {
  if (!copying) {
    copying = pullLibrary(request).finally(() => {
      copying = null;
    });
  }
  return copying;
}

/** Settles an IndexedDB request or transaction. */
function settled(target, ok = 'onsuccess') {
  return new Promise((resolve, reject) => {
    target[ok] = () => resolve(target.result);
    target.onerror = () => reject(target.error);
    target.onabort = () => reject(target.error ?? new Error('the transaction was aborted'));
  });
}

async function storedJson(db, key) {
  const value = await settled(db.transaction(LIBRARY, 'readonly').objectStore(LIBRARY).get(key));
  return value?.json ?? null;
}

/** The smart playlists' tracks as the page stores and compares them: sorted by playlist id. */
function smartTracksJson(all) {
  return JSON.stringify([...all].sort((a, b) => a[0] - b[0]));
}

/**
 * Whether a feed page read after position `since`, by a copy whose smart
 * playlists' record is `smart`, changes nothing: then the visit writes
 * nothing. A first copy (`since` 0) always writes.
 */
function changesNothing(since, smart, page) {
  const things = pageRecords(page).length - 1 - (page.smart_tracks ? 1 : 0);
  const sameSmart = !page.smart_tracks || smartTracksJson(page.smart_tracks) === smart;
  return !page.reset && since !== 0 && page.next === since && things === 0 && sameSmart;
}

/** Each record a feed page writes (`null` deletes it), as the page's `page_records`. */
function pageRecords(page) {
  const out = [];
  for (const t of page.tracks) out.push([`t:${t.track.id}`, JSON.stringify(t)]);
  for (const a of page.albums) out.push([`al:${a.album.id}`, JSON.stringify(a)]);
  for (const a of page.artists) out.push([`ar:${a.artist.id}`, JSON.stringify(a)]);
  for (const l of page.liked) out.push([`lk:${l.track_id}`, JSON.stringify(l)]);
  for (const id of page.unliked) out.push([`lk:${id}`, null]);
  for (const p of page.playlists) out.push([`pl:${p.playlist.id}`, JSON.stringify(p)]);
  for (const s of page.smart) out.push([`sm:${s.id}`, JSON.stringify(s)]);
  for (const id of page.smart_gone) out.push([`sm:${id}`, null]);
  if (page.smart_tracks) out.push([SMART_TRACKS_KEY, smartTracksJson(page.smart_tracks)]);
  out.push([CURSOR_KEY, String(page.next)]);
  return out;
}

/**
 * Brings the copy up to date from the stored cursor. Answers
 * `{ok: true, changed, cursor, smart, pages}` (`pages`: the feed pages'
 * text, only when the page asked for them to update a copy it holds in
 * memory), or `{ok: false, offline, error, changed, pages}`: what it
 * stored before it stopped is kept, and said.
 */
async function pullLibrary({ onDevice = [], wantPages = false }) {
  const db = await openDb();
  if (!db || !db.objectStoreNames.contains(LIBRARY)) {
    db?.close();
    return { ok: false, offline: false, error: "this device's store is not open yet" };
  }
  const pages = [];
  let changed = false;
  // A copy that stops part way has stored whole pages (each with its cursor,
  // in one transaction): the answer says so, and carries them, either way.
  const failed = (offline, error) => ({ ok: false, offline, error, changed, pages });
  try {
    for (;;) {
      const since = Number((await storedJson(db, CURSOR_KEY)) ?? 0);
      const smart = await storedJson(db, SMART_TRACKS_KEY);
      let response;
      try {
        response = await fetch('/api/library_changes', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ since, on_device: onDevice }),
        });
      } catch (e) {
        return failed(true, String(e));
      }
      let text;
      try {
        text = await response.text();
      } catch (e) {
        return failed(true, String(e));
      }
      if (!response.ok) {
        return failed(false, `the server answered ${response.status}: ${text.slice(0, 200)}`);
      }
      let page;
      try {
        page = JSON.parse(text);
      } catch {
        return failed(false, 'the server sent a feed page that is not JSON');
      }
      if (changesNothing(since, smart, page)) break;
      const reset = page.reset || since === 0;
      const records = pageRecords(page);
      const tx = db.transaction(LIBRARY, 'readwrite');
      const store = tx.objectStore(LIBRARY);
      if (reset) store.clear();
      for (const [key, json] of records) {
        if (json === null) store.delete(key);
        else store.put({ key, json });
      }
      try {
        await settled(tx, 'oncomplete');
      } catch (e) {
        return failed(false, `the library copy could not be stored: ${e?.name ?? e}`);
      }
      changed = true;
      if (wantPages) pages.push(text);
      if (!page.more) break;
    }
    return {
      ok: true,
      changed,
      cursor: Number((await storedJson(db, CURSOR_KEY)) ?? 0),
      smart: await storedJson(db, SMART_TRACKS_KEY),
      pages,
    };
  } finally {
    db.close();
  }
}
