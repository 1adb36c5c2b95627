#!/usr/bin/env python3
"""Load test: N concurrent clients (default 100) for D seconds (default 60) of mixed traffic on loopback against a
running Casebook (release build recommended): content pages, search, recommendations, and the writes a learner makes
(reading-progress marks, flashcard reviews, attempt autosaves; driven by Tests/ops/writes.py, as the crash test does).
Reports requests, errors and p50/p99 per route, then stops the server and checks that every acknowledged write is in
the database (zero lost writes): every sign-up, progress mark and review, and for every attempt step the text and
version of the last acknowledged autosave.

    swift build -c release --product casebook
    python3 Benchmarks/load_test.py --clients 100 --seconds 60
"""
import argparse, json, os, pathlib, random, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Tests" / "ops"))
from client import Client  # noqa: E402
from writes import Acked, Learner, lost_writes  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = ["/", "/framework", "/cases", "/cases/video-recommendation", "/cases/fraud-detection", "/foundations/feature-stores",
         "/glossary", "/compare"]
QUERIES = ["hnsw", "calibration", "two-tower retrieval", "label leakage", "ndcg", "feature store", "cold start", "fraud"]


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--port", type=int, default=18484)
    ap.add_argument("--bin", default=str(ROOT / ".build/release/casebook"))
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20_000)
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="casebook-load-")
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen([a.bin, "serve", "--port", str(a.port), "--data-dir", data, "--trust-forwarded-for", "--bcrypt-cost", "10",
                               "--recsys-items", str(a.items), "--recsys-users", str(a.users), "--log-level", "warning"],
                              cwd=ROOT, stdout=log, stderr=log)
    try:
        print("waiting for the recommender (trains the world on first start)…", flush=True)
        while True:
            try:
                if json.loads(urllib.request.urlopen(f"http://127.0.0.1:{a.port}/api/v1/recsys/status").read())["state"] == "ready":
                    break
            except Exception:
                pass
            if server.poll() is not None:
                raise SystemExit("server exited:\n" + open(log.name).read()[-2000:])
            time.sleep(1)
        user_ids = list(range(0, min(a.users, 5000)))
        lat = {}
        errors = {}
        acked = Acked()
        lock = threading.Lock()
        deadline = time.time() + a.seconds
        ready = threading.Barrier(a.clients + 1)

        def record(route, seconds, ok):
            with lock:
                lat.setdefault(route, []).append(seconds)
                if not ok:
                    errors[route] = errors.get(route, 0) + 1

        def timed(route, fn, ok_statuses=(200,)):
            t = time.perf_counter()
            try:
                status, text, _ = fn()
            except Exception:
                record(route, time.perf_counter() - t, False)
                return None, None
            record(route, time.perf_counter() - t, status in ok_statuses)
            return status, text

        def client(i):
            rng = random.Random(i)
            learner = Learner(Client(a.port, f"10.9.{i // 250}.{i % 250}"), f"load{i}", acked, rng, observe=record)
            c = learner.c
            ready.wait()
            try:
                learner.sign_up()
            except Exception:
                pass  # observed as an error of its route
            while time.time() < deadline:
                r = rng.random()
                if r < 0.40:
                    p = rng.choice(PAGES)
                    timed("GET " + (p if not p.startswith("/cases/") and not p.startswith("/foundations/") else re.sub(r"/[^/]+$", "/{slug}", p)), lambda: c.get(p))
                elif r < 0.55:
                    q = rng.choice(QUERIES)
                    timed("GET /search", lambda: c.get("/search?q=" + urllib.request.quote(q)))
                elif r < 0.70:
                    u = rng.choice(user_ids)
                    timed("GET /api/v1/recommendations", lambda: c.get(f"/api/v1/recommendations?user={u}&k=20&candidates=500"))
                else:
                    try:
                        learner.act()  # a progress mark, a review (card page with its answer, then the grade) or an autosave
                    except Exception:
                        pass  # observed as an error of its route

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(a.clients)]
        for t in threads:
            t.start()
        ready.wait()
        started = time.time()
        server_cpu0, client_cpu0 = cpu_seconds(server.pid), sum(os.times()[:2])
        for t in threads:
            t.join()
        elapsed = time.time() - started
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu0, sum(os.times()[:2]) - client_cpu0
        total = sum(len(v) for v in lat.values())
        print(f"{a.clients} clients, {elapsed:.0f} s, {total} requests ({total / elapsed:.0f}/s), errors: {sum(errors.values())}")
        # Where the cores went: the latencies below are queueing whenever server + client use all of them.
        print(f"CPU during the run: server {server_cpu:.0f} s, this Python client {client_cpu:.0f} s, of {elapsed * os.cpu_count():.0f} core-seconds")
        print(f"{'route':34} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
        for route in sorted(lat):
            xs = lat[route]
            print(f"{route:34} {len(xs):9d} {errors.get(route, 0):7d} {statistics.median(xs) * 1000:8.2f} {percentile(xs, 99) * 1000:8.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    lost = lost_writes(os.path.join(data, "casebook.sqlite"), acked, exact=True)
    print("acknowledged writes: " + ", ".join(f"{v} {k}" for k, v in acked.counts().items())
          + "; lost: " + ", ".join(f"{len(v)} {k}" for k, v in lost.items()))
    for kind, items in lost.items():
        if items:
            print(f"  lost {kind}:", items[:5])
    failed = any(lost.values()) or errors
    if failed:
        print("the database and server log are kept in", data)
    else:
        shutil.rmtree(data, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
