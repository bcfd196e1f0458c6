/* CSML programme site: progressive enhancements. Every page works without this script.
 *
 * - Stars: a personal agenda kept in localStorage, one list of codes per year.
 * - Schedule: day tabs, filters by track / room / starred, overlap warning, .ics link.
 * - Home: the "now and next" panel during the conference (Asia/Shanghai time).
 */
(function () {
  "use strict";

  var yearMatch = location.pathname.match(/\/(\d{4})\//);
  var YEAR = yearMatch ? yearMatch[1] : null;
  var STORE_KEY = "csml-stars-" + YEAR;

  function readStars() {
    try {
      return JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
    } catch (e) {
      return [];
    }
  }

  function writeStars(codes) {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(codes));
    } catch (e) {
      /* private mode: stars last for this page only */
    }
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  /* ---- stars ---------------------------------------------------------- */

  function paintStars() {
    var stars = readStars();
    $all("[data-star]").forEach(function (button) {
      var on = stars.indexOf(button.dataset.star) !== -1;
      button.hidden = false;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.querySelector("[aria-hidden]").textContent = on ? "★" : "☆";
    });
    $all("[data-star-row]").forEach(function (row) {
      row.classList.toggle("is-starred", stars.indexOf(row.dataset.starRow) !== -1);
    });
    var count = document.querySelector("[data-star-count]");
    if (count) count.textContent = String(stars.length);
    var ics = document.querySelector("[data-starred-ics]");
    if (ics) {
      ics.href = ics.dataset.base + "?only=" + encodeURIComponent(stars.join(","));
      ics.classList.toggle("is-hidden", stars.length === 0);
    }
    warnOverlaps(stars);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-star]");
    if (!button || !YEAR) return;
    var stars = readStars();
    var code = button.dataset.star;
    var at = stars.indexOf(code);
    if (at === -1) stars.push(code);
    else stars.splice(at, 1);
    writeStars(stars);
    paintStars();
    applyFilters();
  });

  /* Two starred things overlap when their times intersect on the same day, unless one
   * is a talk inside the other (a starred session and its own talk). */
  function warnOverlaps(stars) {
    var warning = document.querySelector("[data-overlap-warning]");
    if (!warning) return;
    var spans = [];
    stars.forEach(function (code) {
      var row = document.querySelector('[data-star-row="' + CSS.escape(code) + '"]') ||
        document.getElementById("session-" + code);
      if (!row) return;
      var timed = row.closest("[data-start]") || row;
      var session = row.closest(".session");
      spans.push({
        code: code,
        group: session ? session.id : code,
        date: timed.dataset.date,
        start: timed.dataset.start,
        end: timed.dataset.end,
      });
    });
    var clashes = [];
    for (var i = 0; i < spans.length; i++) {
      for (var j = i + 1; j < spans.length; j++) {
        var a = spans[i], b = spans[j];
        if (a.group === b.group || a.date !== b.date) continue;
        if (a.start < b.end && b.start < a.end) clashes.push(a.code + " × " + b.code);
      }
    }
    warning.hidden = clashes.length === 0;
    warning.textContent = clashes.length
      ? (document.documentElement.lang === "en" ? "Starred items overlap: " : "收藏的报告时间冲突：") +
        clashes.join("，")
      : "";
  }

  /* ---- schedule: filters and day tabs --------------------------------- */

  var tools = document.querySelector(".schedule-tools");
  var filters = { track: "", room: "", starred: false };

  function applyFilters() {
    if (!tools) return;
    var stars = readStars();
    var shown = 0;
    $all(".session").forEach(function (card) {
      var visible =
        (!filters.track || card.dataset.track === filters.track) &&
        (!filters.room || card.dataset.room === filters.room) &&
        (!filters.starred || stars.indexOf(card.id.replace("session-", "")) !== -1 ||
          $all("[data-star-row]", card).some(function (row) {
            return stars.indexOf(row.dataset.starRow) !== -1;
          }));
      card.classList.toggle("is-hidden", !visible);
      if (visible) shown++;
      $all(".talk-line", card).forEach(function (line) {
        var hideLine = filters.starred && stars.indexOf(card.id.replace("session-", "")) === -1 &&
          stars.indexOf(line.dataset.starRow) === -1;
        line.classList.toggle("is-hidden", hideLine);
      });
    });
    var filtering = filters.track || filters.room || filters.starred;
    $all(".item").forEach(function (item) {
      var keep = !filtering || (filters.starred && !filters.track && !filters.room &&
        stars.indexOf(item.dataset.starRow) !== -1);
      item.classList.toggle("is-hidden", !keep);
      if (keep) shown++;
    });
    $all(".block").forEach(function (block) {
      block.classList.toggle("is-hidden", $all(".session:not(.is-hidden)", block).length === 0);
    });
    var empty = document.querySelector("[data-filter-empty]");
    if (empty) empty.hidden = shown > 0;
  }

  function setPressed(buttons, chosen) {
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b === chosen ? "true" : "false");
    });
  }

  function showDay(date) {
    var days = $all("[data-day]");
    if (!days.length) return;
    function exists(d) {
      return days.some(function (day) { return day.dataset.day === d; });
    }
    /* Outside the conference, open on its first talk day rather than registration. */
    if (!exists(date)) date = exists(tools.dataset.firstDay) ? tools.dataset.firstDay : days[0].dataset.day;
    days.forEach(function (day) {
      day.hidden = day.dataset.day !== date;
    });
    $all("[data-day-tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.dataset.dayTab === date ? "true" : "false");
    });
  }

  function shanghaiToday() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  }

  if (tools) {
    tools.hidden = false;
    var trackButtons = $all("[data-filter-track]", tools);
    trackButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        filters.track = button.dataset.filterTrack;
        setPressed(trackButtons, button);
        applyFilters();
      });
    });
    var roomSelect = tools.querySelector("[data-filter-room]");
    roomSelect.addEventListener("change", function () {
      filters.room = roomSelect.value;
      applyFilters();
    });
    var starredButton = tools.querySelector("[data-filter-starred]");
    starredButton.addEventListener("click", function () {
      filters.starred = !filters.starred;
      starredButton.setAttribute("aria-pressed", filters.starred ? "true" : "false");
      applyFilters();
    });
    var tabList = document.querySelector(".day-tabs");
    tabList.setAttribute("role", "tablist");
    $all("[data-day-tab]").forEach(function (tab) {
      tab.setAttribute("role", "tab");
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        showDay(tab.dataset.dayTab);
        history.replaceState(null, "", "#day-" + tab.dataset.dayTab);
      });
    });
    var fromHash = (location.hash.match(/^#day-(\d{4}-\d{2}-\d{2})$/) || [])[1];
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var dayOfTarget = target && target.closest("[data-day]");
    showDay(fromHash || (dayOfTarget && dayOfTarget.dataset.day) || shanghaiToday());
    if (target) target.scrollIntoView();
  }

  /* ---- home: now and next -------------------------------------------- */

  var panel = document.querySelector("[data-now-next]");
  var timelineData = document.getElementById("timeline-data");
  if (panel && timelineData) {
    var entries = JSON.parse(timelineData.textContent);
    var now = Date.now();
    var current = entries.filter(function (e) {
      return Date.parse(e.start) <= now && now < Date.parse(e.end);
    });
    var upcoming = entries.filter(function (e) { return Date.parse(e.start) > now; });
    var soon = upcoming.filter(function (e) { return e.start === (upcoming[0] || {}).start; });
    var first = entries.length && Date.parse(entries[0].start);
    var last = entries.length && Date.parse(entries[entries.length - 1].end);
    if (entries.length && now >= first - 12 * 3600e3 && now <= last) {
      fill(panel.querySelector("[data-now]"), current);
      fill(panel.querySelector("[data-next]"), soon);
      panel.hidden = false;
    }
  }

  function fill(list, items) {
    items.forEach(function (e) {
      var li = document.createElement("li");
      var time = e.start.slice(11, 16) + "–" + e.end.slice(11, 16) + " ";
      li.appendChild(document.createTextNode(time));
      var title = document.createElement(e.url ? "a" : "span");
      if (e.url) title.href = e.url;
      title.textContent = e.title;
      li.appendChild(title);
      if (e.where) li.appendChild(document.createTextNode(" · " + e.where));
      list.appendChild(li);
    });
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = "—";
      list.appendChild(none);
    }
  }

  /* ---- print button ---------------------------------------------------- */

  $all("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  paintStars();
  applyFilters();
})();
