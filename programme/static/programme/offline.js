/* CSML: the page's side of reading offline (the service worker is sw.js).
 *
 * - Registers the worker, on every public page.
 * - On a page of a year, once the page has loaded, asks the worker to keep that year in
 *   the page's language (the list URL is in data-offline-list). Progress and the end are
 *   written on <html>: data-offline-progress="done/total", then data-offline-ready="true"
 *   when every page of the year is kept (the browser test waits for it).
 * - On a copy the worker served offline (<html data-offline-copy="<saved at>">), shows
 *   the page's own translated line "offline copy of <date time>" (the worker has no
 *   translations; the page has them in data-offline-text, with {when} for the time).
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var note = document.querySelector("[data-offline-note]");
  if (!note) return;

  var saved = root.getAttribute("data-offline-copy");
  if (saved) showNote(saved);

  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register(note.dataset.offlineWorker, { scope: "/", updateViaCache: "none" })
    .catch(function () { /* not a secure context, or storage refused: the site still works */ });

  var list = note.dataset.offlineList;
  if (!list) return;
  if (document.readyState === "complete") keepYear();
  else window.addEventListener("load", keepYear);

  function keepYear() {
    navigator.serviceWorker.ready.then(function (registration) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        var message = event.data;
        if (message.type === "progress") {
          root.setAttribute("data-offline-progress", message.done + "/" + message.total);
        } else if (message.type === "done") {
          root.setAttribute("data-offline-ready", message.ready ? "true" : "false");
          channel.port1.close();
        }
      };
      registration.active.postMessage({ type: "keep-year", list: list }, [channel.port2]);
    });
  }

  function showNote(iso) {
    var when = new Date(iso);
    var text = note.dataset.offlineText;
    var at = text.indexOf("{when}");
    if (isNaN(when.getTime()) || at === -1) return;
    var time = document.createElement("time");
    time.dateTime = iso;
    time.textContent = new Intl.DateTimeFormat(root.lang || undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    }).format(when);
    note.textContent = "";
    note.append(text.slice(0, at), time, text.slice(at + "{when}".length));
    note.hidden = false;
  }
})();
