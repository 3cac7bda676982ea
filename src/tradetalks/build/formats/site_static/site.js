// Article pages: selecting a span (click, or focus with Tab, Enter/Space) shows its row and
// provenance in the side panel, with the rows of the spans it lies inside. Works from file://.
(function () {
  "use strict";
  var text = document.getElementById("text");
  var body = document.getElementById("panel-body");
  if (!text || !body) return;

  function rowOf(mark) { return document.getElementById("r-" + mark.getAttribute("data-row")); }

  function select(mark) {
    var id = mark.getAttribute("data-row");
    text.querySelectorAll("mark.selected").forEach(function (m) { m.classList.remove("selected"); });
    text.querySelectorAll("mark[data-row]").forEach(function (m) {
      if (m.getAttribute("data-row") === id) m.classList.add("selected");
    });
    body.textContent = "";
    var row = rowOf(mark);
    if (row) {
      var copy = row.cloneNode(true);
      copy.removeAttribute("id");
      copy.classList.add("in-panel");
      copy.setAttribute("data-selected", id);
      body.appendChild(copy);
    } else {
      var p = document.createElement("p");
      p.textContent = mark.getAttribute("title") || "";
      body.appendChild(p);
    }
    var outer = [];
    for (var m = mark.parentElement; m && m !== text; m = m.parentElement) {
      if (m.matches("mark[data-row]")) outer.push(m);
    }
    if (outer.length) {
      var h = document.createElement("h3");
      h.textContent = "This span lies inside";
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
  }

  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id.indexOf("s-") !== 0) return;
    var mark = document.getElementById(id);
    if (mark && mark.matches("mark[data-row]")) { select(mark); mark.focus({ preventScroll: false }); }
  }

  text.addEventListener("click", function (e) {
    var mark = e.target.closest("mark[data-row]");
    if (mark) select(mark);
  });
  text.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.matches("mark[data-row]")) { e.preventDefault(); select(e.target); }
  });
  text.addEventListener("focusin", function (e) {
    if (e.target.matches("mark[data-row]")) select(e.target);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
