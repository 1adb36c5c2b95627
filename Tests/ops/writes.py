"""The writes a learner makes, driven over HTTP the way the pages and Public/js/app.js make them, with a record of
every write the server acknowledged and a check of that record against the SQLite file. Shared by the crash test
(Tests/ops/crash_test.py) and the load test (Benchmarks/load_test.py). Standard library only.

What counts as acknowledged (the server answered, so a person would believe it was kept):
  sign-up        POST /signup answered 302/303 to somewhere other than /signup or /login
  progress mark  POST /me/progress answered 302/303 back to the chapter
  review         POST /cards/review (the grade form) answered 302/303 back to /cards/review
  autosave       POST /attempts/{id}/autosave (JSON, as app.js sends it) answered 200 with the new version
"""
import json, random, re, sqlite3, threading, time, urllib.parse

PASSWORD = "correct horse battery staple"
CASES = ["/cases/video-recommendation", "/cases/fraud-detection", "/cases/rag-assistant"]
SECTIONS = ["clarifying-requirements", "framing-as-an-ml-task", "data-preparation", "model-development", "evaluation",
            "deployment-and-serving", "monitoring-and-infrastructure"]
STEPS = ["requirements", "framing", "data", "model", "evaluation", "serving", "monitoring"]

CARD_RE = re.compile(r'name="card" value="(\d+)"')
TOKEN_RE = re.compile(r'name="token" value="(\d+)"')


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return ""


def redirected(status, headers):
    """The path a 302/303 answer sends the browser to, or None for any other answer."""
    if status not in (302, 303):
        return None
    return urllib.parse.urlsplit(header(headers, "location")).path


class Acked:
    """Every write the server acknowledged, keyed so that the database check can find it. Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = set()
        self.progress = set()   # (username, document, section)
        self.reviews = {}       # (username, card id, review count shown) -> rating
        self.saves = {}         # (username, attempt id, step) -> {"version", "text", "unanswered"}

    def counts(self):
        with self.lock:
            return {"sign-ups": len(self.users), "progress marks": len(self.progress), "reviews": len(self.reviews),
                    "autosaves": sum(s["acked"] for s in self.saves.values())}


class Learner:
    """One signed-in person: a client, a username, the attempt they are writing, and the versions app.js would hold.

    `observe(route, seconds, ok)` is called after every request (the load test times routes with it); a request that
    raised is observed as not ok and the exception propagates (the crash test stops on it)."""

    def __init__(self, client, name, acked, rng=None, observe=None):
        self.c = client
        self.name = name
        self.acked = acked
        self.rng = rng or random.Random(name)
        self.observe = observe
        self.attempt = None
        self.versions = {}      # step -> version the next save is based on
        self.saves_sent = 0

    def _send(self, route, fn, ok):
        start = time.perf_counter()
        try:
            status, text, headers = fn()
        except Exception:
            if self.observe:
                self.observe(route, time.perf_counter() - start, False)
            raise
        if self.observe:
            self.observe(route, time.perf_counter() - start, ok(status, headers))
        return status, text, headers

    def sign_up(self):
        """Signs up (sign-up page for the form's token, then the form); on success loads the page it lands on, which
        carries the new session's CSRF token. Returns whether the server acknowledged the account."""
        self._send("GET /signup", lambda: self.c.get("/signup"), lambda s, h: s == 200)
        ok = lambda s, h: (redirected(s, h) or "/signup").rstrip("/") not in ("/signup", "/login")
        status, _, headers = self._send("POST /signup", lambda: self.c.post_form(
            "/signup", {"username": self.name, "password": PASSWORD, "next": "/"}), ok)
        if not ok(status, headers):
            return False
        with self.acked.lock:
            self.acked.users.add(self.name)
        landing = redirected(status, headers)
        self._send("GET " + landing, lambda: self.c.get(landing), lambda s, h: s == 200)
        return True

    def mark_read(self, doc=None, section=None):
        doc = doc or self.rng.choice(CASES)
        section = section or self.rng.choice(SECTIONS)
        ok = lambda s, h: redirected(s, h) == doc
        status, _, headers = self._send("POST /me/progress", lambda: self.c.post_form(
            "/me/progress", {"document": doc, "section": section}), ok)
        if ok(status, headers):
            with self.acked.lock:
                self.acked.progress.add((self.name, doc, section))
        return ok(status, headers)

    def review(self):
        """Shows the next card with its answer, grades it with a random rating through the page's form. Returns the
        (card, rating) acknowledged, or None (nothing due, or the grade was not acknowledged)."""
        status, text, _ = self._send("GET /cards/review", lambda: self.c.get("/cards/review?reveal=1"),
                                     lambda s, h: s == 200)
        card, token = CARD_RE.search(text), TOKEN_RE.search(text)
        if status != 200 or not card or not token:
            return None
        card, token = int(card.group(1)), int(token.group(1))
        rating = self.rng.choice((1, 2, 3, 3, 3, 4))
        ok = lambda s, h: redirected(s, h) == "/cards/review"
        status, _, headers = self._send("POST /cards/review", lambda: self.c.post_form(
            "/cards/review", {"card": card, "token": token, "deck": "", "rating": rating}), ok)
        if not ok(status, headers):
            return None
        with self.acked.lock:
            self.acked.reviews[(self.name, card, token)] = rating
        return card, rating

    def start_attempt(self, case=None):
        case = case or self.rng.choice(CASES)
        self._send("GET /cases/{slug}", lambda: self.c.get(case), lambda s, h: s == 200)  # where the start button is
        ok = lambda s, h: (redirected(s, h) or "").startswith("/attempts/")
        status, _, headers = self._send("POST /cases/{slug}/attempts", lambda: self.c.post_form(case + "/attempts", {}), ok)
        if not ok(status, headers):
            return None
        self.attempt = int(redirected(status, headers).rsplit("/", 1)[1])
        self.versions = {step: 0 for step in STEPS}
        return self.attempt

    def autosave(self, step=None):
        """One autosave of one step exactly as app.js sends it (JSON, X-CSRF-Token, the version the last save
        returned). Starts an attempt first if there is none. Returns the acknowledged version, or None."""
        if self.attempt is None and self.start_attempt() is None:
            return None
        step = step or self.rng.choice(STEPS)
        self.saves_sent += 1
        text = f"{self.name} {step} save {self.saves_sent}: two-tower retrieval, then a ranker. " * self.rng.randint(1, 8)
        key = (self.name, self.attempt, step)
        body = {"step": step, "text": text, "version": self.versions[step], "seconds": self.saves_sent}
        try:
            status, answer, _ = self._send("POST /attempts/{id}/autosave",
                                           lambda: self.c.post_json(f"/attempts/{self.attempt}/autosave", body),
                                           lambda s, h: s == 200)
        except Exception:
            # No answer: the save may or may not have landed, so the store may hold one version more than acknowledged.
            with self.acked.lock:
                if key in self.acked.saves:
                    self.acked.saves[key]["unanswered"] = True
            raise
        try:
            reply = json.loads(answer)
        except ValueError:
            reply = {}
        if status == 409 and "version" in reply:
            self.versions[step] = reply["version"]  # as app.js does once the person chooses their own text
            return None
        if status != 200 or "version" not in reply:
            return None
        version = reply["version"]
        self.versions[step] = version
        with self.acked.lock:
            entry = self.acked.saves.setdefault(key, {"acked": 0})
            entry.update(version=version, text=text, unanswered=False)
            entry["acked"] += 1
        return version

    def act(self, weights=(1, 2, 2)):
        """One write picked at random: a progress mark, a review or an autosave, weighted as given."""
        kind = self.rng.choices(("progress", "review", "autosave"), weights=weights)[0]
        if kind == "progress":
            return self.mark_read()
        if kind == "review":
            return self.review()
        return self.autosave()


def lost_writes(db_path, acked, exact=False):
    """Compares the acknowledged writes with the database; returns {kind: [what is missing or wrong, ...]}.

    Autosaves: an acknowledged save of version v with text T means the step holds version >= v, and text T if the
    version is exactly v (a later save may have landed without its answer, e.g. when the server was killed). With
    `exact` (the server was stopped cleanly), the step must hold exactly the last acknowledged version and text,
    unless a later save went unanswered."""
    con = sqlite3.connect(db_path)
    try:
        users = {r[0] for r in con.execute("SELECT username FROM user")}
        progress = set(con.execute("""
            SELECT u.username, p.documentUrl, p.sectionId FROM readingProgress p JOIN user u ON u.id = p.userId"""))
        reviews = {(u, c, n): r for u, c, n, r in con.execute("""
            SELECT u.username, l.cardId, l.reviewCountBefore, l.rating FROM reviewLog l JOIN user u ON u.id = l.userId""")}
        steps = {(u, a, s): (v, b) for u, a, s, v, b in con.execute("""
            SELECT u.username, s.attemptId, s.step, s.version, s.body FROM attemptStep s JOIN user u ON u.id = s.userId""")}
    finally:
        con.close()
    with acked.lock:
        lost = {
            "sign-ups": sorted(acked.users - users),
            "progress marks": sorted(acked.progress - progress),
            "reviews": sorted(f"{k} rating {r}: stored {reviews.get(k)}" for k, r in acked.reviews.items()
                              if reviews.get(k) != r),
            "autosaves": [],
        }
        for key, want in sorted(acked.saves.items()):
            have = steps.get(key)
            if have is None:
                lost["autosaves"].append(f"{key}: no such step")
            elif have[0] < want["version"]:
                lost["autosaves"].append(f"{key}: version {have[0]} < acknowledged {want['version']}")
            elif have[0] == want["version"] and have[1] != want["text"]:
                lost["autosaves"].append(f"{key}: version {have[0]} holds other text than acknowledged")
            elif exact and have[0] != want["version"] and not want["unanswered"]:
                lost["autosaves"].append(f"{key}: version {have[0]}, last acknowledged {want['version']}")
    return lost
