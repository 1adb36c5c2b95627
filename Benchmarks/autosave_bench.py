#!/usr/bin/env python3
"""Autosave under contention: N concurrent writers on loopback against a release build of `casebook serve`.

Five accounts (the sign-up limit per address), N attempts spread across them; each writer owns one step of one
attempt and sends `--saves` autosaves in a row, each with the version the previous answer returned, exactly as
app.js does. Reports throughput and latency percentiles of the autosave POST, then checks in the database that
every step holds the text its writer sent last, at version == number of saves (no lost or reordered version).

Writers behave like app.js by default: it saves 2 s after the last keystroke, so a person typing steadily saves
about every 2 s; each writer waits a random --think-min..--think-max ms (default 1000..3000) before each save.
--flat-out drops the waiting: every writer sends its next save as soon as the previous one is answered, which
measures capacity (and then latency is queueing: 50 writers in a closed loop).

Usage (from the repository root):
    swift build -c release --product casebook
    python3 Benchmarks/autosave_bench.py [--writers 50] [--saves 15]            # people typing
    python3 Benchmarks/autosave_bench.py --flat-out [--writers 50] [--saves 40] # capacity
Standard library only.
"""
import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

STEPS = ["requirements", "framing", "data", "model", "evaluation", "serving", "monitoring"]


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Max-Age=0" not in v:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def token(self, path):
        _, _, body = self.request("GET", path)
        m = re.search(rb'name="csrf_token" value="([A-Za-z0-9_-]+)"', body)
        return m.group(1).decode()

    def form(self, path, fields):
        return self.request("POST", path, urllib.parse.urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=int, default=50)
    ap.add_argument("--saves", type=int, default=15)
    ap.add_argument("--think-min", type=int, default=1000, help="ms before each save, at least")
    ap.add_argument("--think-max", type=int, default=3000, help="ms before each save, at most")
    ap.add_argument("--flat-out", action="store_true", help="no waiting between saves")
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--bin", default=".build/release/casebook")
    args = ap.parse_args()
    if args.flat_out:
        args.think_min = args.think_max = 0
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not found: run `swift build -c release --product casebook` first")

    data = tempfile.mkdtemp(prefix="autosave-bench-")
    server = subprocess.Popen([args.bin, "serve", "--port", str(args.port), "--data-dir", data, "--log-level", "warning",
                               "--recsys-items", "2000", "--recsys-users", "300", "--bcrypt-cost", "10"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        # Accounts and attempts.
        users = []
        for u in range(5):
            c = Client(args.port)
            t = c.token("/signup")
            s, _, _ = c.form("/signup", {"csrf_token": t, "username": f"bench{u}", "password": "correct horse battery"})
            assert s == 303, f"sign-up failed: {s}"
            users.append(c)
        writers = []
        attempts = {}
        for w in range(args.writers):
            u = users[w % len(users)]
            key = (w % len(users), (w // len(users)) // len(STEPS))
            if key not in attempts:
                t = u.token("/cases/video-recommendation")
                s, h, _ = u.form("/cases/video-recommendation/attempts", {"csrf_token": t})
                assert s == 303, f"start failed: {s}"
                attempts[key] = int(h["location"].rsplit("/", 1)[1])
            step = STEPS[(w // len(users)) % len(STEPS)]
            writers.append({"user": w % len(users), "attempt": attempts[key], "step": step})
        tokens = [u.token("/me") for u in users]

        latencies = []
        errors = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.writers)

        def run(i, spec):
            c = Client(args.port)
            c.cookies = dict(users[spec["user"]].cookies)
            version = 0
            mine = []
            rng = random.Random(i)
            barrier.wait()
            for n in range(args.saves):
                if args.think_max > 0:
                    time.sleep(rng.uniform(args.think_min, args.think_max) / 1000)
                text = f"writer {i} save {n}: " + ("two-tower retrieval, then ranking. " * (1 + n % 20))
                body = json.dumps({"step": spec["step"], "text": text, "version": version, "seconds": n})
                t0 = time.perf_counter()
                s, _, data = c.request("POST", f"/attempts/{spec['attempt']}/autosave", body,
                                       {"Content-Type": "application/json", "X-CSRF-Token": tokens[spec["user"]]})
                mine.append(time.perf_counter() - t0)
                if s != 200:
                    errors.append((i, n, s, data[:200]))
                    return
                version = json.loads(data)["version"]
            spec["last"] = text
            spec["version"] = version
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writers)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)

    lat = sorted(latencies)
    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000 if lat else float("nan")
    mode = "flat out" if args.think_max == 0 else f"thinking {args.think_min}-{args.think_max} ms before each save"
    print(f"mode: {mode}")
    print(f"writers={args.writers} saves/writer={args.saves} requests={len(lat)} errors={len(errors)} seconds={elapsed:.2f}")
    print(f"throughput={len(lat) / elapsed:.0f} saves/s  p50={pct(50):.2f} ms  p90={pct(90):.2f} ms  p99={pct(99):.2f} ms  max={lat[-1] * 1000:.2f} ms")
    for e in errors[:5]:
        print("error:", e)

    db = sqlite3.connect(os.path.join(data, "casebook.sqlite"))
    bad = 0
    for w in writers:
        row = db.execute("SELECT body, version FROM attemptStep WHERE attemptId = ? AND step = ?", (w["attempt"], w["step"])).fetchone()
        if row is None or row[0] != w.get("last") or row[1] != args.saves or w.get("version") != args.saves:
            bad += 1
    print(f"integrity: {len(writers) - bad}/{len(writers)} steps hold their writer's last text at version {args.saves}")
    sys.exit(1 if bad or errors else 0)


if __name__ == "__main__":
    main()
