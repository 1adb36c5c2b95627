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

// Mock interviews: the interview clock, autosave of each step with its version, drafts kept in this browser while
// offline, conflict handling and server-rendered preview. Without JavaScript the editor is a plain form.
(function () {
  "use strict";
  // Case-study pages: a link to a folded solution section opens the fold.
  function openGate() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var gate = target && target.closest ? target.closest("details.solution-gate") : null;
    if (gate && !gate.open) { gate.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openGate);
  openGate();

  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.JSON) return;
  var attemptId = form.getAttribute("data-attempt");
  var token = form.querySelector("input[name=csrf_token]").value;
  var statusEl = document.getElementById("save-status");
  var storage = null;
  try { storage = window.localStorage; storage.setItem("casebook.probe", "1"); storage.removeItem("casebook.probe"); } catch (e) { storage = null; }
  var steps = [];
  var byStep = {};

  function draftKey(step) { return "casebook.attempt." + attemptId + "." + step; }
  function replyKey(turn) { return "reply." + turn; }
  function readDraft(step) {
    if (!storage) return null;
    try { return JSON.parse(storage.getItem(draftKey(step)) || "null"); } catch (e) { return null; }
  }
  function writeDraft(s) {
    if (!storage) return;
    try { storage.setItem(draftKey(s.draft), JSON.stringify({ text: s.area.value, base: s.version, at: Date.now() })); } catch (e) { /* quota: the server copy still exists */ }
  }
  function clearDraft(s) { if (storage) storage.removeItem(draftKey(s.draft)); }
  function fmt(sec) {
    sec = Math.max(0, Math.floor(sec));
    var m = Math.floor(sec / 60), r = sec % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function setStatus(kind, text) { statusEl.setAttribute("data-state", kind); statusEl.textContent = text; }
  function refreshStatus() {
    var any = { conflict: null, tooLarge: null, offline: false, saving: false, auth: false };
    steps.forEach(function (s) {
      if (s.conflict) any.conflict = s;
      else if (s.tooLarge) any.tooLarge = s;
      else if (s.failed && s.authProblem) any.auth = true;
      else if (s.failed) any.offline = true;
      else if (s.dirty || s.inflight) any.saving = true;
    });
    if (any.conflict) setStatus("error", "Not saved: “" + any.conflict.title + "” was changed elsewhere. Your text is kept in this browser; choose below the box.");
    else if (any.tooLarge) setStatus("error", any.tooLarge.tooLarge + " Your text is kept in this browser.");
    else if (any.auth) setStatus("error", "Not saved: you are signed out or this page has expired — kept in this browser. Sign in again, then reload this page: your text comes back from this browser.");
    else if (any.offline) setStatus("offline", "Offline — kept in this browser. It will be saved when the connection returns.");
    else if (any.saving) setStatus("saving", "Saving…");
    else setStatus("saved", "Saved on the server.");
  }

  function showConflict(s) {
    var box = document.getElementById("conflict-" + s.step);
    if (!box) return;
    box.querySelector(".conflict-text").textContent = s.conflict.text;
    box.querySelector(".conflict-actions").hidden = false;
    box.hidden = false;
  }
  function hideConflict(s) { var box = document.getElementById("conflict-" + s.step); if (box) box.hidden = true; }

  function schedule(s, delay) {
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { save(s); }, delay);
  }

  function save(s) {
    if (s.conflict) return;
    if (s.inflight) { s.again = true; return; }
    var text = s.area.value;
    var seconds = Math.floor(s.seconds);
    if (text === s.sent && seconds === s.sentSeconds) { s.dirty = false; s.failed = false; refreshStatus(); return; }
    s.inflight = true;
    refreshStatus();
    fetch(s.turn ? "/attempts/" + attemptId + "/reply" : "/attempts/" + attemptId + "/autosave", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(s.turn ? { turn: s.turn, text: text, version: s.version } : { step: s.step, text: text, version: s.version, seconds: seconds })
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) return { status: r.status, body: null };
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      s.inflight = false;
      if (res.status === 200 && res.body) {
        s.version = res.body.version;
        s.versionInput.value = String(s.version);
        s.sent = text;
        s.sentSeconds = seconds;
        s.failed = false;
        s.authProblem = false;
        s.tooLarge = null;
        s.backoff = 0;
        if (s.area.value === text) { s.dirty = false; clearDraft(s); } else { writeDraft(s); schedule(s, 500); }
      } else if (res.status === 409 && res.body) {
        s.conflict = { version: res.body.version, text: res.body.text };
        showConflict(s);
      } else if ((res.status === 413 || res.status === 400) && res.body) {
        s.tooLarge = res.body.error;
      } else {
        // 401/403: signed out or the page's token expired; anything else: a server problem. Keep retrying either way.
        s.authProblem = res.status === 401 || res.status === 403;
        retryLater(s);
      }
      if (s.again) { s.again = false; schedule(s, 0); }
      refreshStatus();
    }, function () {
      s.inflight = false;
      retryLater(s);
      refreshStatus();
    });
  }

  // Network down, signed out or server error: the draft stays in localStorage; try again with backoff.
  function retryLater(s) {
    s.failed = true;
    s.backoff = Math.min(s.backoff ? s.backoff * 2 : 2000, 60000);
    schedule(s, s.backoff);
  }
  window.addEventListener("online", function () { steps.forEach(function (s) { if (s.failed) { s.backoff = 0; save(s); } }); });

  // One saver per step and per follow-up reply: the same drafts, versions, conflicts and retries.
  function attach(area, s) {
    s.area = area; s.sent = area.value; s.dirty = false; s.inflight = false;
    s.version = parseInt(s.versionInput.value, 10) || 0;
    s.sentSeconds = s.seconds;
    steps.push(s);
    // A draft this browser kept (offline, or the tab closed before it was saved) comes back.
    var draft = readDraft(s.draft);
    if (draft && typeof draft.text === "string" && draft.text !== area.value) {
      var stored = area.value;
      area.value = draft.text;
      s.dirty = true;
      if (draft.base === s.version) {
        schedule(s, 300);
      } else {
        s.conflict = { version: s.version, text: stored };
        showConflict(s);
      }
    } else if (draft) {
      clearDraft(s);
    }
    area.addEventListener("input", function () {
      s.dirty = true;
      s.tooLarge = null;
      writeDraft(s);
      refreshStatus();
      schedule(s, 2000);
    });
    area.addEventListener("blur", function () { if (s.dirty) schedule(s, 0); });
    return s;
  }
  Array.prototype.forEach.call(form.querySelectorAll("textarea.step-text"), function (area) {
    var step = area.getAttribute("data-step");
    var s = attach(area, {
      step: step, draft: step, title: (document.getElementById("step-" + step + "-title") || {}).textContent || step,
      versionInput: document.getElementById("version-" + step), secondsInput: document.getElementById("seconds-" + step),
      spentEl: document.getElementById("spent-" + step), minutes: parseInt(area.getAttribute("data-minutes"), 10) || 0,
      seconds: parseInt(area.getAttribute("data-seconds"), 10) || 0
    });
    byStep[step] = s;
    area.addEventListener("focus", function () { moveTo(s); });
  });
  function attachReply(area, step) {
    var turn = parseInt(area.getAttribute("data-reply"), 10);
    var s = attach(area, {
      step: "reply-" + turn, owner: step, turn: turn, draft: replyKey(turn), title: "your reply to the follow-up",
      versionInput: document.getElementById("replyversion-" + turn), seconds: 0
    });
    area.addEventListener("focus", function () { if (byStep[step]) current = byStep[step]; });
    // Conflicts are resolved like a step's: "Keep mine" / "Use the saved text" find it by this key.
    byStep[s.step] = s;
    return s;
  }
  Array.prototype.forEach.call(form.querySelectorAll("textarea.reply-text"), function (area) {
    var slot = area.closest ? area.closest(".followup-slot") : null;
    attachReply(area, slot ? slot.id.replace("followup-slot-", "") : "");
  });
  if (!steps.length) return;
  refreshStatus();

  form.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.getAttribute) return;
    var keep = t.getAttribute("data-conflict-keep"), take = t.getAttribute("data-conflict-take"), prev = t.getAttribute("data-preview");
    if (keep && byStep[keep]) {
      var s = byStep[keep];
      s.version = s.conflict.version; s.versionInput.value = String(s.version); s.conflict = null; hideConflict(s); save(s);
    } else if (take && byStep[take]) {
      var s2 = byStep[take];
      s2.area.value = s2.conflict.text; s2.sent = s2.conflict.text; s2.version = s2.conflict.version;
      s2.versionInput.value = String(s2.version); s2.conflict = null; s2.dirty = false; clearDraft(s2); hideConflict(s2); refreshStatus();
    } else if (prev && byStep[prev]) {
      e.preventDefault();
      var out = document.getElementById("preview-" + prev);
      var body = new URLSearchParams();
      body.set("markdown", byStep[prev].area.value);
      body.set("csrf_token", token);
      out.hidden = false;
      out.setAttribute("aria-busy", "true");
      fetch("/preview", { method: "POST", credentials: "same-origin", body: body }).then(function (r) {
        return r.text().then(function (html) { return { ok: r.ok, html: html }; });
      }).then(function (res) {
        out.removeAttribute("aria-busy");
        // The server's fragment is our own cmark-gfm output with raw HTML off; error pages are not inserted.
        if (res.ok) out.innerHTML = res.html; else out.textContent = "The preview could not be made. Your text is unchanged.";
      }, function () {
        out.removeAttribute("aria-busy");
        out.textContent = "Offline: the preview needs the server. Your text is kept in this browser.";
      });
    }
  });

  // The interview clock: counts while the page is visible and not paused, on the step last focused.
  var clock = document.getElementById("interview-clock");
  var elapsedEl = document.getElementById("clock-elapsed");
  var stateEl = document.getElementById("clock-state");
  var toggle = document.getElementById("clock-toggle");
  var total = parseInt(clock.getAttribute("data-total-seconds"), 10) || 2700;
  var current = byStep[Object.keys(byStep)[0]];
  var pausedKey = "casebook.attempt." + attemptId + ".paused";
  var paused = !!(storage && storage.getItem(pausedKey));
  var last = Date.now();
  function render() {
    var sum = 0;
    steps.forEach(function (s) {
      if (s.turn) return;
      sum += s.seconds;
      s.spentEl.textContent = fmt(s.seconds);
      s.secondsInput.value = String(Math.floor(s.seconds));
      s.spentEl.parentNode.classList.toggle("is-over", s.seconds > s.minutes * 60);
    });
    elapsedEl.textContent = fmt(sum);
    clock.classList.toggle("is-over", sum > total);
    stateEl.textContent = paused ? "(paused)" : (sum > total ? "(over time)" : "(running on “" + current.title.replace(/^\d+\.\s*/, "") + "”)");
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
  }
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    paused = !paused;
    if (storage) { if (paused) storage.setItem(pausedKey, "1"); else storage.removeItem(pausedKey); }
    last = Date.now();
    if (paused) save(current);
    render();
  });
  var ticks = 0;
  setInterval(function () {
    var now = Date.now();
    var delta = Math.min((now - last) / 1000, 5);
    last = now;
    if (paused || document.hidden) { render(); return; }
    current.seconds += delta;
    // The clock passed this step's budget: the interviewer's turn, once.
    if (current.minutes && current.seconds > current.minutes * 60) interviewerTurn(current.step, true);
    render();
    // Time spent reaches the server with text saves, and at least every 30 s on its own.
    if (++ticks % 30 === 0) save(current);
  }, 1000);

  // The interviewer: questions (Enter or the Ask button) and follow-ups after a step. A question waits in this
  // browser until the server has stored it, so one typed offline is sent when the connection returns.
  var pendingKey = "casebook.attempt." + attemptId + ".ask.";
  function post(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(payload)
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) return { status: r.status, body: {} };
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }
  function chatLine(list, cls, who, text, id) {
    var li = document.createElement("li");
    li.className = cls;
    if (id) li.id = id;
    var w = document.createElement("span");
    w.className = "chat-who";
    w.textContent = who;
    li.appendChild(w);
    li.appendChild(document.createTextNode(" " + text));
    list.appendChild(li);
  }
  function ask(step) {
    var box = document.getElementById("question-" + step);
    var statusLine = document.getElementById("ask-status-" + step);
    var question = box.value.replace(/^\s+|\s+$/g, "");
    if (!question) { statusLine.textContent = "Type a question for the interviewer first."; return; }
    var pending = null;
    try { pending = JSON.parse(storage && storage.getItem(pendingKey + step) || "null"); } catch (e) { pending = null; }
    if (!pending || pending.question !== question) pending = { question: question, key: String(Date.now()) + Math.random().toString(36).slice(2) };
    if (storage) { try { storage.setItem(pendingKey + step, JSON.stringify(pending)); } catch (e) { /* the box still holds it */ } }
    statusLine.textContent = "Asking…";
    post("/attempts/" + attemptId + "/ask", { step: step, question: question, key: pending.key }).then(function (res) {
      if (res.status === 200 && res.body.turn) {
        var t = res.body.turn, list = document.getElementById("chat-" + step);
        chatLine(list, "chat-q", "You", t.prompt);
        var kind = !t.ref ? "is-fallback" : t.ref.indexOf("out-of-scope:") === 0 ? "is-out-of-scope" : "is-fact";
        chatLine(list, "chat-a " + kind, "Interviewer", t.reply);
        if (box.value.replace(/^\s+|\s+$/g, "") === question) box.value = "";
        if (storage) storage.removeItem(pendingKey + step);
        statusLine.textContent = "";
      } else if (res.status === 400 || res.status === 413) {
        statusLine.textContent = res.body.error || "The question was refused.";
      } else if (res.status === 503 || res.status === 429) {
        statusLine.textContent = (res.body.error || "The interviewer is busy.") + " Your question is kept here; trying again shortly.";
        setTimeout(function () { ask(step); }, 5000);
      } else {
        statusLine.textContent = res.status === 401 || res.status === 403
          ? "Not sent: you are signed out or this page has expired. Your question is kept in this browser; sign in and reload."
          : "Not sent (the server had a problem). Your question is kept here; press Enter to try again.";
      }
    }, function () {
      statusLine.textContent = "Offline: your question is kept in this browser and is sent when the connection returns.";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("textarea.ask-text"), function (box) {
    var step = box.getAttribute("data-ask");
    var pending = null;
    try { pending = JSON.parse(storage && storage.getItem(pendingKey + step) || "null"); } catch (e) { pending = null; }
    if (pending && pending.question) { box.value = pending.question; ask(step); }
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(step); }
    });
  });
  window.addEventListener("online", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea.ask-text"), function (box) {
      var step = box.getAttribute("data-ask");
      if (storage && storage.getItem(pendingKey + step)) ask(step);
    });
  });
  form.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.getAttribute) return;
    var askStep = t.getAttribute("data-ask-button"), nextStep = t.getAttribute("data-next");
    if (askStep) { e.preventDefault(); ask(askStep); }
    if (nextStep) { e.preventDefault(); interviewerTurn(nextStep, false); }
  });

  // Moving on from a step that has an answer is the interviewer's cue, as is the step's clock running out.
  var turnTaken = {};
  function moveTo(s) {
    if (current && current !== s && !current.turn && current.area.value.replace(/\s+/g, "").length > 40) interviewerTurn(current.step, true);
    current = s;
  }
  function interviewerTurn(step, quiet) {
    if (!byStep[step] || (quiet && turnTaken[step])) return;
    turnTaken[step] = true;
    var note = document.getElementById("note-" + step);
    var slot = document.getElementById("followup-slot-" + step);
    if (!slot) return;
    if (slot.querySelector(".followup")) {
      if (!quiet) { var existing = slot.querySelector("textarea"); if (existing) existing.focus(); }
      return;
    }
    save(byStep[step]);
    if (!quiet) { note.hidden = false; note.textContent = "The interviewer is reading your answer…"; }
    post("/attempts/" + attemptId + "/followup", { step: step }).then(function (res) {
      if (res.status === 200 && res.body.turn) {
        var t = res.body.turn;
        var node = document.getElementById("followup-template").content.firstElementChild.cloneNode(true);
        node.id = "followup-" + t.ref;
        node.querySelector(".chat-who").textContent = "Interviewer · " + (t.label || "Follow-up");
        node.querySelector(".followup-text").textContent = t.prompt;
        var area = node.querySelector("textarea"), label = node.querySelector("label"), version = node.querySelector("input");
        area.id = "reply-" + t.id; area.name = "reply_" + t.id; area.setAttribute("data-reply", String(t.id)); area.value = t.reply || "";
        label.setAttribute("for", area.id);
        version.id = "replyversion-" + t.id; version.name = "replyversion_" + t.id; version.value = String(t.version);
        var conflict = node.querySelector(".conflict");
        conflict.id = "conflict-reply-" + t.id;
        conflict.querySelector("[data-role=keep]").setAttribute("data-conflict-keep", "reply-" + t.id);
        conflict.querySelector("[data-role=take]").setAttribute("data-conflict-take", "reply-" + t.id);
        slot.appendChild(node);
        attachReply(area, step);
        note.hidden = false;
        note.textContent = "The interviewer has a follow-up on this step: answer it in the box below.";
        if (!quiet) area.focus();
      } else if (res.status === 200) {
        if (!quiet) { note.hidden = false; note.textContent = res.body.reason || "No follow-up on this step."; }
      } else {
        turnTaken[step] = false;
        if (!quiet) { note.hidden = false; note.textContent = (res.body && res.body.error) || "The interviewer could not be reached; try again in a moment."; }
      }
    }, function () {
      turnTaken[step] = false;
      if (!quiet) { note.hidden = false; note.textContent = "Offline: the interviewer needs the server. Your answer is kept in this browser."; }
    });
  }
  render();
})();
