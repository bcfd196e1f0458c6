/* CSML programme site: progressive enhancements. Every page works without this script.
 *
 * - Stars: a personal agenda kept in localStorage, one list of codes per year. Beside
 *   each starred talk or session whose time overlaps another starred one, a note names
 *   the others (on the schedule, a session page and a talk page alike).
 * - Schedule: day tabs and an "all days" view (what "my schedule" opens on), filters by
 *   track / room / starred, and, when the day shown has nothing that matches, a message
 *   that says so and offers the days that have matches; the .ics link of the stars.
 * - Home: the "now and next" panel during the conference (Asia/Shanghai time).
 *
 * The words it writes come from the page, in the page's language: the schedule's
 * messages in data-text-* attributes, the stars' in <script id="star-texts">.
 */
(function () {
  "use strict";

  var yearMatch = location.pathname.match(/\/(\d{4})\//);
  var YEAR = yearMatch ? yearMatch[1] : null;
  var STORE_KEY = "csml-stars-" + YEAR;
  /* What each starred code stands for (label, day, times, session), as last seen on a page
   * of the year: a talk page can then name the session starred on the schedule that it
   * overlaps. Only starred codes are kept. */
  var INFO_KEY = "csml-star-info-" + YEAR;

  function readJSON(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function writeJSON(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* private mode: stars last for this page only */
    }
  }

  function readStars() {
    var stars = readJSON(STORE_KEY, []);
    return Array.isArray(stars) ? stars : [];
  }

  function writeStars(codes) {
    writeJSON(STORE_KEY, codes);
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function textOf(element) {
    var copy = element.cloneNode(true);
    $all(".star, .badge, .visually-hidden, .overlap-note", copy).forEach(function (node) {
      node.parentNode.removeChild(node);
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  var starTexts = document.getElementById("star-texts");
  var TEXTS = starTexts
    ? JSON.parse(starTexts.textContent)
    : { overlap: "Overlaps with {items}", separator: "; " };

  /* ---- stars ---------------------------------------------------------- */

  /* What the star `button` stands for: its label (code and title as the page shows
   * them), day and times (of its row, or of the session it is in), and its group: the
   * session, since a session and its own talks never clash. Null if the page gives no
   * time for it. */
  function describe(button) {
    var code = button.dataset.star;
    var row = document.querySelector('[data-star-row="' + CSS.escape(code) + '"]');
    var timed = button.closest("[data-start]") || (row && row.closest("[data-start]"));
    if (!timed) return null;
    var card = button.closest(".session");
    var holder = button.closest(".talk-line") || button.closest("h1, h2, h3, h4");
    if (!holder && card) holder = card.querySelector(".session__title");
    var label = holder ? textOf(holder) : "";
    return {
      label: label.indexOf(code) === 0 ? label : (code + " " + label).trim(),
      group: (row && row.dataset.starGroup) || (card ? card.id.replace("session-", "") : code),
      date: timed.dataset.date,
      start: timed.dataset.start,
      end: timed.dataset.end,
    };
  }

  /* The starred codes' descriptions: this page's, kept for the other pages of the year,
   * and those kept from other pages for the codes this page does not show. */
  function starInfo(stars) {
    var kept = readJSON(INFO_KEY, {});
    var info = {};
    stars.forEach(function (code) {
      if (kept[code]) info[code] = kept[code];
    });
    $all("[data-star]").forEach(function (button) {
      var code = button.dataset.star;
      if (stars.indexOf(code) === -1) return;
      var described = describe(button);
      if (described) info[code] = described;
    });
    writeJSON(INFO_KEY, info);
    return info;
  }

  /* {code: [labels of the starred things it overlaps]}: two starred things overlap when
   * their times intersect on the same day, unless they are of the same session. */
  function overlaps(stars, info) {
    var found = {};
    for (var i = 0; i < stars.length; i++) {
      for (var j = i + 1; j < stars.length; j++) {
        var a = info[stars[i]], b = info[stars[j]];
        if (!a || !b || a.group === b.group || a.date !== b.date) continue;
        if (a.start < b.end && b.start < a.end) {
          (found[stars[i]] = found[stars[i]] || []).push(b.label);
          (found[stars[j]] = found[stars[j]] || []).push(a.label);
        }
      }
    }
    return found;
  }

  /* The note goes right after the star's line: inside a talk line, else after the
   * heading (or session header) the star is in. */
  function placeNote(button, note) {
    if (button.closest(".talk-line")) {
      button.parentNode.appendChild(note);
      return;
    }
    var after = button.closest("h1, h2, h3, h4, .session__head") || button;
    after.parentNode.insertBefore(note, after.nextSibling);
  }

  function noteOverlaps(found) {
    $all("[data-overlap-note]").forEach(function (note) {
      note.parentNode.removeChild(note);
    });
    $all("[data-star]").forEach(function (button) {
      var code = button.dataset.star;
      var others = found[code];
      if (!others || button.hidden) {
        button.removeAttribute("aria-describedby");
        return;
      }
      var note = document.createElement("p");
      note.className = "overlap-note";
      note.id = "overlap-note-" + code;
      note.setAttribute("data-overlap-note", code);
      note.textContent = TEXTS.overlap.replace("{items}", others.join(TEXTS.separator));
      placeNote(button, note);
      button.setAttribute("aria-describedby", note.id);
    });
  }

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
    noteOverlaps(overlaps(stars, starInfo(stars)));
  }

  /* Notes appear without a page change: a screen reader hears the new one here. */
  var announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = text;
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
    var note = document.getElementById("overlap-note-" + code);
    announce(note ? note.textContent : "");
  });

  /* ---- schedule: filters, day tabs, empty days ------------------------ */

  var tools = document.querySelector(".schedule-tools");
  var filters = { track: "", room: "", starred: false };
  var view = { day: null, lastDay: null }; // the day shown ("all": every day), the last single one

  function filtering() {
    return Boolean(filters.track || filters.room || filters.starred);
  }

  function applyFilters() {
    if (!tools) return;
    var stars = readStars();
    $all(".session").forEach(function (card) {
      var visible =
        (!filters.track || card.dataset.track === filters.track) &&
        (!filters.room || card.dataset.room === filters.room) &&
        (!filters.starred || stars.indexOf(card.id.replace("session-", "")) !== -1 ||
          $all("[data-star-row]", card).some(function (row) {
            return stars.indexOf(row.dataset.starRow) !== -1;
          }));
      card.classList.toggle("is-hidden", !visible);
      $all(".talk-line", card).forEach(function (line) {
        var hideLine = filters.starred && stars.indexOf(card.id.replace("session-", "")) === -1 &&
          stars.indexOf(line.dataset.starRow) === -1;
        line.classList.toggle("is-hidden", hideLine);
      });
    });
    var narrowed = filtering();
    $all(".item").forEach(function (item) {
      var keep = !narrowed || (filters.starred && !filters.track && !filters.room &&
        stars.indexOf(item.dataset.starRow) !== -1);
      item.classList.toggle("is-hidden", !keep);
    });
    $all(".block").forEach(function (block) {
      block.classList.toggle("is-hidden", $all(".session:not(.is-hidden)", block).length === 0);
    });
    showDay(view.day);
  }

  function setPressed(buttons, chosen) {
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b === chosen ? "true" : "false");
    });
  }

  /* {date: sessions and items shown on that day}. */
  function matchesByDay() {
    var counts = {};
    $all("[data-day]").forEach(function (day) {
      counts[day.dataset.day] = $all(".session:not(.is-hidden), .item:not(.is-hidden)", day).length;
    });
    return counts;
  }

  function dayName(date) {
    var tab = document.querySelector('[data-day-tab="' + date + '"]');
    return tab ? textOf(tab) : date;
  }

  /* Shows one day (a date) or every day ("all"); with a filter, only days with matches
   * (the message of tellEmpty stands for a day without). */
  function showDay(date) {
    var days = $all("[data-day]");
    if (!days.length || !tools) return;
    function exists(d) {
      return days.some(function (day) { return day.dataset.day === d; });
    }
    /* Outside the conference, open on its first talk day rather than registration. */
    if (date !== "all" && !exists(date)) {
      date = exists(tools.dataset.firstDay) ? tools.dataset.firstDay : days[0].dataset.day;
    }
    view.day = date;
    if (date !== "all") view.lastDay = date;
    var counts = matchesByDay();
    var narrowed = filtering();
    days.forEach(function (day) {
      var d = day.dataset.day;
      day.hidden = (date !== "all" && d !== date) || (narrowed && !counts[d]);
    });
    $all("[data-day-tab]").forEach(function (tab) {
      var d = tab.dataset.dayTab;
      tab.setAttribute("aria-selected", d === date ? "true" : "false");
      tab.classList.toggle("is-empty", narrowed && d !== "all" && !counts[d]);
    });
    tellEmpty(date, counts, narrowed);
  }

  /* Says when the day shown has nothing that matches, and offers the days that have. */
  function tellEmpty(date, counts, narrowed) {
    var box = document.querySelector("[data-filter-empty]");
    if (!box) return;
    var withMatches = Object.keys(counts).filter(function (d) { return counts[d] > 0; }).sort();
    var here = date === "all" ? withMatches.length : counts[date];
    var text = "";
    var offerDays = false;
    if (narrowed && !here) {
      if (filters.starred && !readStars().length) text = box.dataset.textNoStars;
      else if (date === "all" || !withMatches.length) text = box.dataset.textNone;
      else {
        text = box.dataset.textDay.replace("{day}", dayName(date));
        offerDays = true;
      }
    }
    var shown = text + "|" + withMatches.join();
    if (box.dataset.shown === shown) return; // unchanged: not announced again
    box.dataset.shown = shown;
    box.textContent = "";
    if (!text) return;
    var message = document.createElement("p");
    message.className = "filter-empty__text";
    message.textContent = text;
    box.appendChild(message);
    if (!offerDays) return;
    var offer = document.createElement("p");
    offer.className = "filter-empty__days";
    offer.appendChild(document.createTextNode(box.dataset.textOffer + " "));
    withMatches.forEach(function (d) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.className = "chip";
      choice.setAttribute("data-offered-day", d);
      choice.textContent = dayName(d);
      choice.addEventListener("click", function () {
        chooseDay(d);
        var tab = document.querySelector('[data-day-tab="' + d + '"]');
        if (tab) tab.focus();
      });
      offer.appendChild(choice);
      offer.appendChild(document.createTextNode(" "));
    });
    box.appendChild(offer);
  }

  function chooseDay(date) {
    showDay(date);
    history.replaceState(null, "", "#day-" + date);
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
    /* "My schedule" opens on every day (the days with a star); off again, on the day
     * that was shown before. */
    var starredButton = tools.querySelector("[data-filter-starred]");
    starredButton.addEventListener("click", function () {
      filters.starred = !filters.starred;
      starredButton.setAttribute("aria-pressed", filters.starred ? "true" : "false");
      if (filters.starred) view.day = "all";
      else if (view.day === "all") view.day = view.lastDay;
      applyFilters();
    });
    var tabList = document.querySelector(".day-tabs");
    tabList.setAttribute("role", "tablist");
    $all("[data-day-tab]").forEach(function (tab) {
      tab.hidden = false;
      tab.setAttribute("role", "tab");
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        chooseDay(tab.dataset.dayTab);
      });
    });
    var fromHash = (location.hash.match(/^#day-(\d{4}-\d{2}-\d{2}|all)$/) || [])[1];
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
