#!/usr/bin/env python3
"""Crash test: drive concurrent sign-ups and writes, SIGKILL the server mid-flight, restart, and check that every
write the server acknowledged is in the database and that SQLite's integrity check passes. Repeats several rounds.

    python3 Tests/ops/crash_test.py [--rounds 3] [--workers 8] [--seconds 3] [--bin .build/debug/casebook]
"""
import argparse, os, pathlib, random, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from client import Client  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECTIONS = ["clarifying-requirements", "framing-as-an-ml-task", "data-preparation", "model-development", "evaluation",
            "deployment-and-serving", "monitoring-and-infrastructure"]
CASES = ["/cases/video-recommendation", "/cases/fraud-detection", "/cases/rag-assistant"]


def start(binary, port, data):
    log = open(os.path.join(data, "server.log"), "a")
    p = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", data, "--trust-forwarded-for",
                          "--bcrypt-cost", "10", "--recsys-items", "500", "--recsys-users", "100", "--log-level", "warning"],
                         cwd=ROOT, stdout=log, stderr=log)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return p
        except Exception:
            if p.poll() is not None:
                raise SystemExit("server exited at startup:\n" + open(log.name).read()[-3000:])
            time.sleep(0.1)
    raise SystemExit("server did not start")


def worker(port, wid, round_no, acked, stop, lock, extra_actions):
    rng = random.Random(wid * 1000 + round_no)
    n = 0
    while not stop.is_set():
        c = Client(port, f"10.{round_no}.{wid}.{n % 250}")
        name = f"r{round_no}w{wid}n{n}"
        n += 1
        try:
            if not c.sign_up(name, "correct horse battery staple"):
                continue
            with lock:
                acked["users"].add(name)
            for _ in range(rng.randint(2, 6)):
                doc, sec = rng.choice(CASES), rng.choice(SECTIONS)
                c.get(doc)
                status, _, _ = c.post_form("/me/progress", {"document": doc, "section": sec})
                if status in (302, 303):
                    with lock:
                        acked["progress"].add((name, doc, sec))
            for action in extra_actions:
                action(c, name, rng, acked, lock)
        except Exception:
            if stop.is_set():
                return
            time.sleep(0.05)


def check(db_path, acked):
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity check failed"
    users = {r[0] for r in con.execute("SELECT username FROM user")}
    missing_users = acked["users"] - users
    rows = {(u, d, s) for u, d, s in con.execute(
        "SELECT u.username, p.documentUrl, p.sectionId FROM readingProgress p JOIN user u ON u.id = p.userId")}
    missing_progress = acked["progress"] - rows
    con.close()
    return missing_users, missing_progress


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--port", type=int, default=18383)
    ap.add_argument("--bin", default=str(ROOT / ".build/debug/casebook"))
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="casebook-crash-")
    acked = {"users": set(), "progress": set()}
    lock = threading.Lock()
    failures = 0
    for r in range(1, a.rounds + 1):
        server = start(a.bin, a.port, data)
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(a.port, w, r, acked, stop, lock, []), daemon=True) for w in range(a.workers)]
        for t in threads:
            t.start()
        time.sleep(a.seconds + random.random())
        server.send_signal(signal.SIGKILL)   # no shutdown, no checkpoint: the WAL must carry every commit
        server.wait()
        stop.set()
        for t in threads:
            t.join(timeout=35)
        # Restart on the same files: startup runs the integrity check and migrations; then verify directly.
        server = start(a.bin, a.port, data)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        missing_users, missing_progress = check(os.path.join(data, "casebook.sqlite"), acked)
        print(f"round {r}: acknowledged so far {len(acked['users'])} sign-ups, {len(acked['progress'])} progress marks; "
              f"missing {len(missing_users)} + {len(missing_progress)}; integrity ok")
        if missing_users or missing_progress:
            failures += 1
            print("  lost:", sorted(missing_users)[:5], sorted(missing_progress)[:5])
    if not acked["users"]:
        print("no write was acknowledged: the test proved nothing")
        return 1
    print(f"{a.rounds - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
