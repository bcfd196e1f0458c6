/* Drag-and-drop ordering of a session's talks, on the session page of the staff admin
   and of /track/ (programme/renumber_admin.py, TalkOrderMedia).

   Progressive: without this script the "order" inputs are typed in. With it, each talk
   row gets a handle; dragging it (mouse, pen or finger: pointer events) or pressing the
   arrow keys on it moves the row, and every row's order input is rewritten 1, 2, 3 ...
   in the new order. Saving the page posts those inputs as if typed: the rows' hidden
   fields (ids, edit tokens) move with their rows and are not touched. */
"use strict";
(function () {
  const GROUP = "#talks-group";

  function orderInput(row) {
    return row.querySelector("td.field-position input");
  }

  function talkRows(tbody) {
    return Array.from(tbody.querySelectorAll("tr.form-row:not(.empty-form)"));
  }

  function isFilled(row) {
    // A blank "add another" row stays blank: giving it an order would make Django
    // validate it as a new talk and ask for its title.
    if (row.classList.contains("has_original")) return true;
    return Array.from(row.querySelectorAll("input[type=text], textarea")).some(
      (input) => input.value.trim() !== ""
    );
  }

  function rewriteOrder(tbody) {
    let n = 0;
    for (const row of talkRows(tbody)) {
      const input = orderInput(row);
      if (!input || !isFilled(row)) continue;
      n += 1;
      if (input.value !== String(n)) input.value = String(n);
    }
  }

  function rowUnder(x, y, tbody) {
    const element = document.elementFromPoint(x, y);
    const row = element && element.closest("tr.form-row:not(.empty-form)");
    return row && row.parentNode === tbody ? row : null;
  }

  function startDrag(event, handle) {
    if (event.button !== 0) return;
    event.preventDefault();
    const row = handle.closest("tr");
    const tbody = row.parentNode;
    const pointer = event.pointerId;
    row.classList.add("talk-dragging");
    // Listened for on the document, not captured by the handle: moving the row in the
    // document releases a pointer capture, and the rest of the drag would be lost.
    function move(e) {
      if (e.pointerId !== pointer) return;
      e.preventDefault();
      const target = rowUnder(e.clientX, e.clientY, tbody);
      if (!target || target === row) return;
      const box = target.getBoundingClientRect();
      tbody.insertBefore(row, e.clientY < box.top + box.height / 2 ? target : target.nextSibling);
    }
    function end(e) {
      if (e.pointerId !== pointer) return;
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", end);
      document.removeEventListener("pointercancel", end);
      row.classList.remove("talk-dragging");
      rewriteOrder(tbody);
    }
    document.addEventListener("pointermove", move, { passive: false });
    document.addEventListener("pointerup", end);
    document.addEventListener("pointercancel", end);
  }

  function moveByKey(event, handle) {
    const row = handle.closest("tr");
    const tbody = row.parentNode;
    const rows = talkRows(tbody);
    const at = rows.indexOf(row);
    if (event.key === "ArrowUp" && at > 0) {
      tbody.insertBefore(row, rows[at - 1]);
    } else if (event.key === "ArrowDown" && at < rows.length - 1) {
      tbody.insertBefore(row, rows[at + 1].nextSibling);
    } else {
      return;
    }
    event.preventDefault();
    rewriteOrder(tbody);
    handle.focus();
  }

  function addHandle(row, label) {
    const cell = row.querySelector("td.field-position");
    if (!cell || cell.querySelector(".talk-drag-handle")) return;
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = "talk-drag-handle";
    handle.textContent = "⠿";
    handle.title = label;
    handle.setAttribute("aria-label", label);
    handle.addEventListener("pointerdown", (event) => startDrag(event, handle));
    handle.addEventListener("keydown", (event) => moveByKey(event, handle));
    cell.insertBefore(handle, cell.firstChild);
  }

  function setUp() {
    const group = document.querySelector(GROUP);
    if (!group) return;
    const header = group.querySelector("th.column-position");
    const label = `${header ? header.textContent.trim() : ""} ↕`.trim();
    group.classList.add("talk-order-enabled");
    for (const row of group.querySelectorAll("tbody tr.form-row:not(.empty-form)")) {
      addHandle(row, label);
    }
    // Rows added with "add another talk" get a handle too.
    document.addEventListener("formset:added", (event) => {
      if (event.target.closest && event.target.closest(GROUP)) addHandle(event.target, label);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
