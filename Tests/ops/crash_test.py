#!/usr/bin/env python3
"""Crash test: drive concurrent sign-ups, flashcard reviews, attempt autosaves and reading-progress marks (Tests/ops/
writes.py), SIGKILL the server mid-flight, restart it on the same files, and check that every write the server
acknowledged is in the database and that SQLite's integrity check passes. Repeats several rounds on the same files:
the server restarted after one kill takes the next round's load.

    python3 Tests/ops/crash_test.py [--rounds 3] [--workers 8] [--seconds 3] [--bin .build/debug/casebook]
"""
import argparse, http.client, os, pathlib, random, shutil, signal, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from client import Client  # noqa: E402
from writes import Acked, Learner, lost_writes  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


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


def worker(port, wid, round_no, acked, stop, cut):
    """Signs up a person, makes a dozen writes as them (reviews, autosaves, progress marks), then the next person; so
    sign-ups (bcrypt) overlap the other writers' reviews and autosaves."""
    rng = random.Random(wid * 1000 + round_no)
    n = 0
    while not stop.is_set():
        learner = Learner(Client(port, f"10.{round_no}.{wid}.{n % 250}"), f"r{round_no}w{wid}n{n}", acked, rng)
        n += 1
        try:
            if not learner.sign_up():
                continue
            for _ in range(rng.randint(6, 14)):
                if stop.is_set():
                    return
                learner.act()
        except Exception as e:
            if isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
                cut.append(type(e).__name__)  # a request the kill cut off (refused connections come after it)
            if stop.is_set():
                return
            time.sleep(0.05)


def check(db_path, acked):
    con = sqlite3.connect(db_path)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    return ok, lost_writes(db_path, acked)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--port", type=int, default=18383)
    ap.add_argument("--bin", default=os.environ.get("CASEBOOK_BIN", str(ROOT / ".build/debug/casebook")))
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="casebook-crash-")
    acked = Acked()
    failures = 0
    server = start(a.bin, a.port, data)
    for r in range(1, a.rounds + 1):
        before = acked.counts()
        stop, cut = threading.Event(), []
        threads = [threading.Thread(target=worker, args=(a.port, w, r, acked, stop, cut), daemon=True) for w in range(a.workers)]
        for t in threads:
            t.start()
        time.sleep(a.seconds + random.random())
        server.send_signal(signal.SIGKILL)   # no shutdown, no checkpoint: the WAL must carry every commit
        server.wait()
        stop.set()
        for t in threads:
            t.join(timeout=35)
        # Restart on the same files (startup runs SQLite's integrity check and the migrations, and must succeed), then
        # verify with a connection of our own. The restarted server carries the next round.
        server = start(a.bin, a.port, data)
        integrity, lost = check(os.path.join(data, "casebook.sqlite"), acked)
        after = acked.counts()
        this_round = {k: after[k] - before[k] for k in after}
        print(f"round {r}: acknowledged " + ", ".join(f"{v} {k}" for k, v in this_round.items())
              + "; lost so far: " + ", ".join(f"{len(v)} {k}" for k, v in lost.items())
              + f"; {len(cut)} requests cut off by the kill; integrity check {'ok' if integrity else 'FAILED'}", flush=True)
        # A round in which some kind of write was never acknowledged proves nothing about that kind.
        idle = [k for k, v in this_round.items() if v == 0]
        if idle:
            print("  nothing acknowledged this round for:", ", ".join(idle))
        if not integrity or idle or any(lost.values()):
            failures += 1
            for kind, items in lost.items():
                if items:
                    print(f"  lost {kind}:", items[:5])
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    if failures:
        print("the database and server log are kept in", data)
    else:
        shutil.rmtree(data, ignore_errors=True)
    print(f"{a.rounds - failures} rounds passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
