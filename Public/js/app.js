// Casebook: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // "/" focuses the search box, unless the user is typing somewhere.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = document.getElementById("q");
    if (q) { e.preventDefault(); q.focus(); q.select(); }
  });
  // Highlight the table-of-contents entry of the section being read.
  var links = Array.prototype.slice.call(document.querySelectorAll(".toc a"));
  if (links.length && "IntersectionObserver" in window) {
    var byId = {};
    links.forEach(function (a) { byId[a.getAttribute("href").slice(1)] = a; });
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        var a = byId[entry.target.id];
        if (!a) return;
        links.forEach(function (l) { l.classList.remove("current"); });
        a.classList.add("current");
      });
    }, { rootMargin: "-80px 0px -70% 0px" });
    Object.keys(byId).forEach(function (id) {
      var h = document.getElementById(id);
      if (h) observer.observe(h);
    });
  }
})();

// /try: submit the knobs with fetch and swap the results in place; without JavaScript the form is a plain GET.
(function () {
  "use strict";
  var form = document.getElementById("try-form");
  var results = document.getElementById("results");
  if (!form || !results || !window.fetch) return;
  function update() {
    var params = new URLSearchParams(new FormData(form));
    var url = "/try?" + params.toString();
    results.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "Accept": "text/html" } }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("results");
      if (fresh) { results.innerHTML = fresh.innerHTML; history.replaceState(null, "", url); }
      results.removeAttribute("aria-busy");
    }).catch(function () { form.submit(); });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  form.addEventListener("change", function () { update(); });
})();

// /cards/review: Space shows the answer, 1–4 grade, U undoes. The page works without this (links and forms).
(function () {
  "use strict";
  var reveal = document.getElementById("reveal");
  var grades = document.querySelectorAll("button[data-grade]");
  var undo = document.getElementById("undo");
  if (!reveal && !grades.length && !undo) return;
  var sent = false;
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || sent) return;
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
    if ((e.key === " " || e.key === "Enter") && reveal) { e.preventDefault(); sent = true; reveal.click(); return; }
    if (/^[1-4]$/.test(e.key)) {
      for (var i = 0; i < grades.length; i++) {
        if (grades[i].getAttribute("data-grade") === e.key) { e.preventDefault(); sent = true; grades[i].click(); return; }
      }
    }
    if ((e.key === "u" || e.key === "U") && undo) { e.preventDefault(); sent = true; undo.click(); }
  });
})();
