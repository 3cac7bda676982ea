// tradetalks site. Works from file:// with no server and no network; every text it shows is set
// with textContent or cloned from the page, never parsed as HTML.
(function () {
  "use strict";

  // Article pages ----------------------------------------------------------------------------
  // Selecting a passage (click, tap, or Tab to it) shows its card beside the text, or on a phone
  // in a sheet at the bottom of the screen; the legend's boxes hide or show each kind.
  function article() {
    var text = document.getElementById("text");
    var panel = document.getElementById("panel");
    var body = document.getElementById("panel-body");
    if (!text || !body || !panel) return;
    var initial = Array.prototype.slice.call(body.childNodes).map(function (n) { return n.cloneNode(true); });
    var hidden = {};

    function visible(mark) { return !hidden[kindOf(mark)]; }
    function kindOf(mark) {
      var m = /(?:^|\s)k-([a-z]+)/.exec(mark.className);
      return m ? m[1] : "";
    }
    function target(el) {
      // The innermost passage of a kind that is shown.
      for (var m = el.closest("mark[data-row]"); m && text.contains(m); m = m.parentElement.closest("mark[data-row]")) {
        if (visible(m)) return m;
      }
      return null;
    }

    function select(mark) {
      var id = mark.getAttribute("data-row");
      text.querySelectorAll("mark.selected").forEach(function (m) { m.classList.remove("selected"); });
      text.querySelectorAll("mark[data-row]").forEach(function (m) {
        if (m.getAttribute("data-row") === id) m.classList.add("selected");
      });
      body.textContent = "";
      var row = document.getElementById("r-" + id);
      if (row) {
        var copy = row.cloneNode(true);
        copy.removeAttribute("id");
        copy.setAttribute("data-selected", id);
        body.appendChild(copy);
      } else {
        var p = document.createElement("p");
        p.textContent = mark.getAttribute("title") || "";
        p.setAttribute("data-selected", id);
        body.appendChild(p);
      }
      var outer = [];
      for (var m = mark.parentElement; m && m !== text; m = m.parentElement) {
        if (m.matches("mark[data-row]") && visible(m) && outer.indexOf(m.getAttribute("data-row")) < 0) outer.push(m);
      }
      if (outer.length) {
        var h = document.createElement("h3");
        h.textContent = "This passage lies inside";
        body.appendChild(h);
        var ul = document.createElement("ul");
        outer.forEach(function (o) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "#s-" + encodeURIComponent(o.getAttribute("data-row"));
          a.textContent = o.getAttribute("title") || o.getAttribute("data-row");
          li.appendChild(a);
          ul.appendChild(li);
        });
        body.appendChild(ul);
      }
      panel.classList.add("open");
      document.body.classList.add("sheet-open");
      panel.scrollTop = 0;
      // On a phone, keep the selected words above the sheet.
      if (getComputedStyle(panel).position === "fixed") {
        var r = mark.getBoundingClientRect(), top = panel.getBoundingClientRect().top;
        if (r.bottom > top - 8 || r.top < 0) window.scrollBy(0, r.top - Math.max(8, (top - r.height) / 3));
      }
    }

    function close() {
      panel.classList.remove("open");
      document.body.classList.remove("sheet-open");
      text.querySelectorAll("mark.selected").forEach(function (m) { m.classList.remove("selected"); });
      body.textContent = "";
      initial.forEach(function (n) { body.appendChild(n.cloneNode(true)); });
    }

    function fromHash() {
      var id = decodeURIComponent(location.hash.slice(1));
      if (id.indexOf("r-") === 0) {
        var all = document.getElementById("all-rows");
        if (all) all.open = true;
        var row = document.getElementById(id);
        if (row) row.scrollIntoView();
        return;
      }
      if (id.indexOf("s-") !== 0) return;
      var mark = document.getElementById(id);
      if (mark && mark.matches("mark[data-row]")) {
        var kind = kindOf(mark);
        if (hidden[kind]) setKind(kind, true);
        select(mark);
        mark.focus({ preventScroll: true });
        mark.scrollIntoView({ block: "center" });
      }
    }

    function setKind(kind, on) {
      hidden[kind] = !on;
      text.classList.toggle("off-" + kind, !on);
      var box = document.querySelector('fieldset.legend input[data-kind="' + kind + '"]');
      if (box) box.checked = on;
      // A hidden kind leaves the tab order; its first fragment comes back when shown.
      text.querySelectorAll("mark.k-" + kind + "[id]").forEach(function (m) { m.tabIndex = on ? 0 : -1; });
    }

    document.querySelectorAll("fieldset.legend input[data-kind]").forEach(function (box) {
      if (!box.checked) setKind(box.getAttribute("data-kind"), false);
      box.addEventListener("change", function () { setKind(box.getAttribute("data-kind"), box.checked); });
    });
    text.addEventListener("click", function (e) {
      var mark = target(e.target);
      if (mark) select(mark);
    });
    text.addEventListener("keydown", function (e) {
      if ((e.key === "Enter" || e.key === " ") && e.target.matches("mark[data-row]")) { e.preventDefault(); select(e.target); }
    });
    text.addEventListener("focusin", function (e) {
      if (e.target.matches("mark[data-row]") && visible(e.target)) select(e.target);
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && panel.classList.contains("open")) close(); });
    var closer = document.getElementById("panel-close");
    if (closer) closer.addEventListener("click", close);
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  // Timeline -----------------------------------------------------------------------------------
  // Each bar carries its first and last day; the window (lo, hi) is zoomed and panned here.
  var DAY = 86400000;
  function day(iso) { return Date.parse(iso + "T00:00:00Z") / DAY; }
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function timeline() {
    var tl = document.getElementById("timeline");
    if (!tl) return;
    tl.classList.add("js");
    var story = [day(tl.getAttribute("data-lo")), day(tl.getAttribute("data-hi")) + 1];
    var all = [day(tl.getAttribute("data-first")) - 3, day(tl.getAttribute("data-last")) + 4];
    var win = story.slice();
    var axis = tl.querySelector(".tl-axis");
    var label = tl.querySelector(".tl-window");
    var bars = Array.prototype.slice.call(tl.querySelectorAll(".tl-bar[data-start]"));

    function fmt(d, withYear) {
      var t = new Date(d * DAY);
      return t.getUTCDate() + " " + MONTHS[t.getUTCMonth()] + (withYear ? " " + t.getUTCFullYear() : "");
    }

    function draw() {
      var lo = win[0], hi = win[1], n = hi - lo;
      bars.forEach(function (b) {
        var s = day(b.getAttribute("data-start")), e = day(b.getAttribute("data-last")) + 1;
        var row = b.parentElement, edge = row.querySelector(".tl-edge");
        var out = e <= lo || s >= hi;
        b.hidden = out;
        if (edge) edge.textContent = "";
        if (out) {
          if (edge) {
            edge.textContent = e <= lo ? "◀ " + fmt(s, true) : fmt(s, true) + " ▶";
            edge.style.left = e <= lo ? "0" : "auto";
            edge.style.right = e <= lo ? "auto" : "0";
          }
          return;
        }
        var left = Math.max(s, lo), right = Math.min(e, hi);
        if (b.classList.contains("exact")) {
          b.style.left = ((s + 0.5 - lo) / n) * 100 + "%";
          b.style.width = "";
        } else {
          b.style.left = ((left - lo) / n) * 100 + "%";
          b.style.width = ((right - left) / n) * 100 + "%";
        }
        if (edge && s < lo) { edge.textContent = "◀ " + fmt(s, true); edge.style.left = ".2rem"; edge.style.right = "auto"; }
      });
      // Ticks far enough apart for their labels.
      axis.textContent = "";
      var px = axis.clientWidth / n, steps = [1, 2, 7, 14, 30.44, 61, 91.3, 182.6, 365.25], step = steps[steps.length - 1];
      for (var i = 0; i < steps.length; i++) { if (steps[i] * px >= 56) { step = steps[i]; break; } }
      var first = Math.ceil(lo);
      if (step === 7 || step === 14) { while (new Date(first * DAY).getUTCDay() !== 1) first++; }
      for (var d = first; d < hi; d += step) {
        var t = Math.round(d), s = document.createElement("span");
        if (step >= 30) { var dt = new Date(t * DAY); t = Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + (dt.getUTCDate() > 15 ? 1 : 0), 1) / DAY; }
        if (t < lo || t >= hi) continue;
        s.style.left = ((t - lo) / n) * 100 + "%";
        var date = new Date(t * DAY);
        s.textContent = step >= 30 ? MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear() : fmt(t, false);
        axis.appendChild(s);
      }
      label.textContent = "Showing " + fmt(lo, true) + " – " + fmt(hi - 1, true);
    }

    function zoom(f) {
      var mid = (win[0] + win[1]) / 2, half = Math.max(3, ((win[1] - win[0]) * f) / 2);
      win = [mid - half, mid + half];
      draw();
    }
    function pan(f) {
      var d = (win[1] - win[0]) * f;
      win = [win[0] + d, win[1] + d];
      draw();
    }
    tl.querySelectorAll("[data-act]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var act = btn.getAttribute("data-act");
        if (act === "story") { win = story.slice(); draw(); }
        else if (act === "all") { win = all.slice(); draw(); }
        else if (act === "in") zoom(0.5);
        else if (act === "out") zoom(2);
        else if (act === "earlier") pan(-0.5);
        else if (act === "later") pan(0.5);
      });
    });
    // Drag a track sideways to pan.
    var drag = null;
    tl.addEventListener("pointerdown", function (e) {
      var track = e.target.closest(".tl-track");
      if (!track || e.target.closest("a")) return;
      drag = { x: e.clientX, win: win.slice(), w: track.clientWidth };
      track.setPointerCapture(e.pointerId);
    });
    tl.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var d = ((drag.x - e.clientX) / drag.w) * (drag.win[1] - drag.win[0]);
      win = [drag.win[0] + d, drag.win[1] + d];
      draw();
    });
    tl.addEventListener("pointerup", function () { drag = null; });
    window.addEventListener("resize", draw);
    draw();
  }

  // Find ---------------------------------------------------------------------------------------
  // search-index.js (loaded by the search page) sets TRADETALKS_INDEX: [kind, title, detail, href, words].
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }

  function find() {
    var form = document.getElementById("search-form");
    var index = window.TRADETALKS_INDEX;
    if (!form || !index) return;
    var input = document.getElementById("search-q"), list = document.getElementById("results"), count = document.getElementById("results-count");
    var folded = index.map(function (e) { return fold(e[1] + " " + e[2] + " " + (e[4] || "")); });
    function run() {
      var q = fold(input.value.trim());
      list.textContent = "";
      if (!q) { count.textContent = index.length + " quotations, people, events and measures to search."; return; }
      var terms = q.split(/\s+/), hits = [];
      for (var i = 0; i < index.length && hits.length < 200; i++) {
        if (terms.every(function (t) { return folded[i].indexOf(t) >= 0; })) hits.push(index[i]);
      }
      count.textContent = hits.length === 200 ? "The first 200 matches." : hits.length + (hits.length === 1 ? " match." : " matches.");
      hits.forEach(function (h) {
        var li = document.createElement("li"), what = document.createElement("span"), a = document.createElement("a"), d = document.createElement("span");
        what.className = "what"; what.textContent = h[0];
        a.href = h[3]; a.textContent = h[1];
        d.className = "detail"; d.textContent = h[2];
        li.appendChild(what); li.appendChild(a); li.appendChild(d);
        list.appendChild(li);
      });
    }
    var params = new URLSearchParams(location.search);
    if (params.get("q")) input.value = params.get("q");
    input.addEventListener("input", run);
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    run();
  }

  article();
  timeline();
  find();
})();
