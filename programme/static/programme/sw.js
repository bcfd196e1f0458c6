/* CSML service worker: each year the visitor opens, readable offline.
 *
 * Served at /sw.js (programme/views/offline.py) so that its scope is the whole site.
 *
 * What is kept: only the URLs of a year's list, /<year>/offline.json or
 * /en/<year>/offline.json, which the page script (offline.js) sends once a page of that
 * year has loaded. The list names the year's pages in one language, its people's pages
 * and the static files; one Cache per list and version ("csml-offline <list> <version>").
 * Nothing else is ever stored: not /admin/, /track/ or /accounts/ (never even seen), not
 * a staff preview of a draft (the server gives drafts no list, and anything answered
 * with Cache-Control private or no-store is refused), not search results.
 *
 * Keeping a year: fetched at low priority, two at a time, after the page has loaded. A
 * page the previous set has is asked for with its ETag (a 304 keeps that copy). The set
 * is complete when the list itself is stored in its cache; the older set is then deleted.
 * A new version of the list (an edit to the year, a new release) starts a new set, at
 * most every REFRESH_AFTER_MS; the old one serves until the new one is complete.
 *
 * Serving: network first for every page and static file, so that when the network answers
 * the visitor never sees a copy older than the current data (the browser's HTTP cache
 * revalidates with ETags, so an unchanged page costs a 304). A kept copy is served when
 * the network fails, answers 5xx, or has not answered within NETWORK_TIMEOUT_MS; the copy
 * is marked (data-offline-copy on <html>, with the time it was saved) and the page script
 * shows the visitor the translated "offline copy of ..." line the page carries.
 */
"use strict";

var CACHE_PREFIX = "csml-offline ";
var NETWORK_TIMEOUT_MS = 3000;
var SAVED_HEADER = "X-CSML-Saved";
var NEVER = /^\/(admin|track|accounts)\//;
var LIST_PATH = /^\/(?:en\/)?\d{4}\/offline\.json$/;
var IN_PARALLEL = 2;
var REFRESH_AFTER_MS = 10 * 60 * 1000;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

/* ---- serving --------------------------------------------------------------- */

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  event.respondWith(networkFirst(event, url));
});

function networkFirst(event, url) {
  var request = event.request;
  return caches.match(request, { ignoreVary: true }).then(function (kept) {
    var network = fetch(request);
    // A page the visitor opens online refreshes its kept copy (cloned before the page
    // reads the body); one that is gone (a withdrawn talk, a year taken down) is dropped.
    event.waitUntil(
      network
        .then(function (response) {
          if (!kept) return;
          if (storable(response)) return refresh(url.href, response.clone());
          if (response.status === 404) return refresh(url.href, null);
        })
        .catch(function () {})
    );
    if (!kept) {
      return network.catch(function (error) {
        if (request.mode !== "navigate") throw error;
        return latestYearHome(url).then(function (home) {
          if (home) return offlineCopy(home);
          throw error;
        });
      });
    }
    var timeout = new Promise(function (resolve) {
      setTimeout(resolve, NETWORK_TIMEOUT_MS, null);
    });
    return Promise.race([network.catch(function () { return null; }), timeout]).then(
      function (response) {
        if (response && response.status < 500) return response;
        return offlineCopy(kept);
      }
    );
  });
}

/* The installed app opens at / or /en/, which redirect to the latest year: offline, that
 * is the home page of the newest year kept in the same language. */
function latestYearHome(url) {
  var language = url.pathname === "/" ? "" : url.pathname === "/en/" ? "en/" : null;
  if (language === null) return Promise.resolve(null);
  var pattern = new RegExp("^" + CACHE_PREFIX + "/" + language + "(\\d{4})/offline\\.json ");
  return caches.keys().then(function (names) {
    var years = names
      .map(function (name) { return (name.match(pattern) || [])[1]; })
      .filter(Boolean)
      .sort();
    if (!years.length) return null;
    return caches.match("/" + language + years[years.length - 1] + "/", { ignoreVary: true });
  });
}

/* A kept page as served offline: <html> says when it was saved. */
function offlineCopy(kept) {
  var type = kept.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) return kept;
  var saved = kept.headers.get(SAVED_HEADER) || "";
  return kept.text().then(function (html) {
    var attribute = 'data-offline-copy="' + saved.replace(/[^0-9TZ:.-]/g, "") + '"';
    var marked = html.replace("<html ", "<html " + attribute + " ");
    return new Response(marked, { status: 200, headers: kept.headers });
  });
}

function storable(response) {
  var control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return response.status === 200 && response.type === "basic" && !/private|no-store/.test(control);
}

/* The copy as it is kept: the body read out (fetch has already decoded it, so the
 * encoding and length headers no longer describe it) and the time it was saved. */
function stamped(response, body) {
  var headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  headers.set(SAVED_HEADER, new Date().toISOString());
  return (body ? Promise.resolve(body) : response.blob()).then(function (blob) {
    return new Response(blob, { status: 200, headers: headers });
  });
}

function ourCaches() {
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(CACHE_PREFIX) === 0; });
  });
}

/* Put a fresh copy of `href` in each set that keeps it (or, with no response, take it
 * out of them). */
function refresh(href, response) {
  return Promise.all([ourCaches(), response && stamped(response)]).then(function (found) {
    var copy = found[1];
    return Promise.all(
      found[0].map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.match(href, { ignoreVary: true }).then(function (old) {
            if (!old) return;
            return copy ? cache.put(href, copy.clone()) : cache.delete(href, { ignoreVary: true });
          });
        });
      })
    );
  });
}

/* ---- keeping a year ------------------------------------------------------------- */

var running = {}; // list path -> {promise, ports}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type !== "keep-year" || !port) return;
  var list = new URL(data.list, self.location.href);
  if (list.origin !== self.location.origin || !LIST_PATH.test(list.pathname)) return;
  var path = list.pathname;
  var job = running[path];
  if (!job) {
    job = running[path] = { ports: [] };
    job.promise = keepYear(path, function (message) {
      job.ports.forEach(function (p) { p.postMessage(message); });
    }).then(
      function (result) { delete running[path]; return result; },
      function () { delete running[path]; return { ready: false }; }
    );
  }
  job.ports.push(port);
  event.waitUntil(
    job.promise.then(function (result) {
      port.postMessage({ type: "done", list: path, ready: result.ready, version: result.version });
    })
  );
});

function keepYear(listPath, report) {
  return fetch(listPath, { cache: "no-cache", priority: "low" })
    .then(function (response) {
      if (response.status === 404) {
        // The year is no longer published: its kept pages go too.
        return setsOf(listPath)
          .then(function (names) {
            return Promise.all(names.map(function (n) { return caches.delete(n); }));
          })
          .then(function () { throw new Error("no list"); });
      }
      if (!response.ok || !storable(response)) throw new Error("no list");
      return response.json();
    })
    .then(
      function (list) { return keepList(listPath, list, report); },
      function () {
        // Offline, or the year is gone: say whether an earlier set is complete.
        return setsOf(listPath).then(function (names) {
          return Promise.all(names.map(function (name) { return markerOf(name, listPath); }))
            .then(function (markers) {
              var at = markers.findIndex(Boolean);
              return { ready: at !== -1, version: at === -1 ? null : names[at].split(" ")[2] };
            });
        });
      }
    );
}

function setsOf(listPath) {
  return ourCaches().then(function (names) {
    return names.filter(function (name) { return name.split(" ")[1] === listPath; });
  });
}

function keepList(listPath, list, report) {
  var name = CACHE_PREFIX + listPath + " " + list.version;
  return setsOf(listPath).then(function (names) {
    var older = names.filter(function (n) { return n !== name; });
    return markerOf(name, listPath).then(function (complete) {
      if (complete) return finish(older, list);
      return recentlyKept(older, listPath).then(function (recent) {
        if (recent) return { ready: true, version: recent.split(" ")[2] };
        return caches.open(name).then(function (cache) {
          return fill(cache, listPath, list, older, report);
        });
      });
    });
  });
}

/* The list stored in a set marks it complete; its saved time is when it was completed. */
function markerOf(name, listPath) {
  return caches.has(name).then(function (exists) {
    if (!exists) return undefined;
    return caches.open(name).then(function (cache) { return cache.match(listPath); });
  });
}

/* A complete set younger than REFRESH_AFTER_MS is kept as it is, even if the year has
 * changed since: after every edit all of a year's pages are new (their ETags carry the
 * year's version), and a burst of edits should not have each visitor download the year
 * again and again. The pages the visitor opens meanwhile are refreshed one by one. */
function recentlyKept(names, listPath) {
  return Promise.all(names.map(function (name) { return markerOf(name, listPath); })).then(
    function (markers) {
      var at = markers.findIndex(function (marker) {
        var saved = marker && Date.parse(marker.headers.get(SAVED_HEADER));
        return saved && Date.now() - saved < REFRESH_AFTER_MS;
      });
      return at === -1 ? null : names[at];
    }
  );
}

function fill(cache, listPath, list, older, report) {
  var urls = list.urls.slice();
  var total = urls.length, done = 0, failed = 0;
  function next() {
    var url = urls.shift();
    if (url === undefined) return Promise.resolve();
    return keepOne(cache, url, older)
      .then(function (ok) {
        done++;
        if (!ok) failed++;
        report({ type: "progress", list: listPath, done: done, total: total });
      })
      .then(next);
  }
  var workers = [];
  for (var i = 0; i < IN_PARALLEL; i++) workers.push(next());
  return Promise.all(workers).then(function () {
    if (failed) return { ready: false, version: list.version };
    var marker = new Response(JSON.stringify(list), {
      headers: { "Content-Type": "application/json" },
    });
    return stamped(marker)
      .then(function (copy) { return cache.put(listPath, copy); })
      .then(function () { return finish(older, list); });
  });
}

function finish(older, list) {
  return Promise.all(older.map(function (n) { return caches.delete(n); })).then(function () {
    return { ready: true, version: list.version };
  });
}

/* One URL into the set being filled: already there, revalidated against the older set's
 * copy (304: that copy, saved again now), or fetched. */
function keepOne(cache, url, older) {
  return cache.match(url, { ignoreVary: true }).then(function (have) {
    if (have) return true;
    return matchIn(older, url).then(function (previous) {
      var headers = {};
      var etag = previous && previous.headers.get("ETag");
      if (etag) headers["If-None-Match"] = etag;
      return fetch(url, { headers: headers, priority: "low", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 304 && previous) {
            return previous.blob().then(function (body) { return stamped(previous, body); });
          }
          if (!storable(response)) return null;
          return stamped(response);
        })
        .then(function (copy) {
          if (!copy) return false;
          return cache.put(url, copy).then(function () { return true; });
        })
        .catch(function () { return false; });
    });
  });
}

function matchIn(names, url) {
  return names.reduce(function (found, name) {
    return found.then(function (hit) {
      if (hit) return hit;
      return caches.open(name).then(function (cache) {
        return cache.match(url, { ignoreVary: true });
      });
    });
  }, Promise.resolve(undefined));
}
