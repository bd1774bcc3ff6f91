// handover console: the Bulk and Single tabs' small enhancements. Every
// page works without this file (plain forms and links); it adds the
// confirmation dialog, drag and drop, filters that apply on change, and
// the Single tab's live user search and pair preview.
"use strict";

(function () {
  // Run Transfer opens its confirmation dialog instead of the
  // confirmation page. Delegated: the Single tab replaces its preview.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (!form) return;
    var run = form.querySelector("[data-run]");
    e.preventDefault();
    if (run && run.disabled) return;
    var dialog = document.getElementById(form.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function") { form.submit(); return; }
    var skip = form.querySelector("[data-skip]");
    var copy = dialog.querySelector("[data-skip-copy]");
    if (copy) copy.value = skip && skip.checked ? "1" : "";
    dialog.showModal();
    var primary = dialog.querySelector("button[type=submit]");
    if (primary) primary.focus();
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest("[data-close]");
    if (close) close.closest("dialog").close();
  });

  // Skip rows with errors enables Run Transfer (the server checks it too).
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-skip]")) return;
    var run = e.target.form.querySelector("[data-run]");
    if (run && !run.hasAttribute("data-busy")) run.disabled = !e.target.checked;
  });

  // Filters apply as soon as they change.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (e) {
      if (e.target.matches("select, input[type=checkbox]")) form.requestSubmit();
    });
  });

  // Drop a file on the upload form to upload it.
  document.querySelectorAll("form[data-dropzone]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function () { form.classList.remove("dragging"); });
    });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      form.requestSubmit();
    });
  });

  var pickers = document.querySelector("form[data-pickers]");
  if (pickers) singleTab(pickers);

  function singleTab(form) {
    var inactive = form.querySelector("[data-inactive]");
    var preview = document.getElementById("pair-preview");
    var chosen = {};
    form.querySelectorAll("[data-picker]").forEach(function (box) {
      picker(box, chosen, inactive, function () { showPair(chosen, preview); });
    });
    // Enter in a picker chooses, it does not reload the page; the Preview
    // button still lets the server resolve typed text.
    // A picker edited again: the pair shown is no longer the one chosen.
    form.addEventListener("input", function (e) {
      if (!e.target.matches("[data-picker] input") || !preview.querySelector(".pair-preview")) return;
      var p = document.createElement("p");
      p.className = "empty";
      p.textContent = "Choose both users to see what would move.";
      preview.replaceChildren(p);
    });
    var enter = false;
    form.addEventListener("keydown", function (e) { enter = e.key === "Enter" && e.target.matches("[data-picker] input"); });
    form.addEventListener("submit", function (e) {
      if (chosen.to && chosen.from) { e.preventDefault(); showPair(chosen, preview); }
      else if (enter) e.preventDefault();
      enter = false;
    });
  }

  function picker(box, chosen, inactive, changed) {
    var field = box.dataset.picker;
    var input = box.querySelector("input");
    var list = box.querySelector("[role=listbox]");
    var active = -1, timer = null, asked = 0;
    var id = /\((\d+)\)\s*$/.exec(input.value);
    if (id) chosen[field] = id[1];

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function mark(i) {
      var items = list.children;
      if (!items.length) return;
      active = (i + items.length) % items.length;
      for (var k = 0; k < items.length; k++) items[k].setAttribute("aria-selected", k === active ? "true" : "false");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    // note replaces what the server said under the picker (the chosen
    // user's details, a problem, candidates) with text, or nothing.
    function note(text) {
      box.querySelectorAll(".chosen, .problem, .candidates").forEach(function (el) { el.remove(); });
      if (!text) return;
      var p = document.createElement("p");
      p.className = "chosen";
      p.textContent = text;
      box.append(p);
    }
    function choose(li) {
      input.value = li.dataset.label;
      chosen[field] = li.dataset.id;
      note(li.dataset.more);
      close();
      changed();
    }
    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var n = ++asked;
      var url = "/single/users.json?q=" + encodeURIComponent(q) + (inactive.checked ? "&inactive=1" : "");
      fetch(url, { credentials: "same-origin" }).then(answer).then(function (data) {
        if (n !== asked) return; // a newer search is on its way
        list.replaceChildren();
        (data.users || []).forEach(function (u, i) {
          var li = document.createElement("li");
          li.id = "pick-" + field + "-opt-" + i;
          li.setAttribute("role", "option");
          li.dataset.id = u.id;
          li.dataset.label = u.label;
          var name = document.createElement("span");
          name.className = "name";
          name.textContent = u.label;
          var more = document.createElement("span");
          more.className = "muted";
          more.textContent = u.email + (u.team ? " · " + u.team : "") + (u.active ? "" : " · inactive");
          li.dataset.more = more.textContent;
          li.append(name, more);
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
          list.append(li);
        });
        if (!list.children.length) {
          var none = document.createElement("li");
          none.className = "none";
          none.textContent = "Nobody matches" + (inactive.checked ? "" : " (tick Show inactive users to include inactive ones)");
          list.append(none);
        }
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }).catch(function (err) { note(err.message); });
    }
    input.addEventListener("input", function () {
      delete chosen[field];
      note("");
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") { e.preventDefault(); if (!open) search(); else mark(active + 1); }
      else if (e.key === "ArrowUp" && open) { e.preventDefault(); mark(active - 1); }
      else if (e.key === "Enter") { e.preventDefault(); if (open && active >= 0 && list.children[active].dataset.id) choose(list.children[active]); }
      else if (e.key === "Escape" && open) { e.preventDefault(); close(); }
    });
    input.addEventListener("blur", close);
    // Show inactive users changes what the picker being typed in finds.
    inactive.addEventListener("change", function () {
      if (input.value.trim() && !chosen[field] && input.dataset.typed) search();
    });
    input.addEventListener("input", function () {
      box.closest("form").querySelectorAll("[data-picker] input").forEach(function (other) { delete other.dataset.typed; });
      input.dataset.typed = "1";
    });
  }

  function showPair(chosen, preview) {
    if (!chosen.to || !chosen.from) return;
    var url = "/single/preview.json?from=" + encodeURIComponent(chosen.from) + "&to=" + encodeURIComponent(chosen.to);
    fetch(url, { credentials: "same-origin" }).then(answer).then(function (data) {
      preview.innerHTML = data.html; // rendered and escaped by the server's template
    }).catch(function (err) {
      var p = document.createElement("p");
      p.className = "problem";
      p.textContent = err.message;
      preview.replaceChildren(p);
    });
  }

  // answer reads a JSON answer of the console, or fails with what to do: a
  // session that ended is redirected to the sign-in page, not JSON.
  function answer(r) {
    if (r.redirected || !(r.headers.get("Content-Type") || "").startsWith("application/json")) {
      throw new Error("Your session has ended: reload the page to sign in again.");
    }
    return r.json().then(function (data) {
      if (!r.ok) throw new Error((data.error && data.error.message) || "The server refused the request.");
      return data;
    });
  }
})();
