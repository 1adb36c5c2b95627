#!/usr/bin/env python3
"""Slow bodies and client faults (issue 18): twenty sockets send a POST head and then one body byte every second, the way a
slowloris client holds connection slots. With `--request-timeout 3` and `--max-connections 24`, each must get a 408
(or be closed) a little after 3 s, while /healthz answers quickly throughout from a fresh connection.

    python3 Tests/ops/slow_body_test.py [--bin .build/debug/casebook]
"""
import argparse, os, pathlib, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build/debug/casebook"))
    args = ap.parse_args()
    port = free_port()
    data = tempfile.mkdtemp(prefix="casebook-slow-")
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen([args.bin, "serve", "--port", str(port), "--data-dir", data, "--request-timeout", "3",
                               "--max-connections", "24", "--recsys-items", "500", "--recsys-users", "100", "--log-level", "warning"],
                              cwd=ROOT, stdout=log, stderr=log)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:
                assert server.poll() is None, open(log.name).read()[-2000:]
                time.sleep(0.1)
        results = {}

        def slow(i):
            s = socket.create_connection(("127.0.0.1", port))
            s.settimeout(10)
            s.sendall(b"POST /api/v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            started = time.time()
            got = b""
            try:
                for _ in range(15):
                    s.sendall(b" ")
                    s.settimeout(1.0)
                    try:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        got += chunk
                        if b"\r\n\r\n" in got:
                            break
                    except socket.timeout:
                        pass
            except (BrokenPipeError, ConnectionResetError):
                pass
            results[i] = (time.time() - started, got.split(b"\r\n", 1)[0].decode(errors="replace"))
            s.close()

        threads = [threading.Thread(target=slow, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        health = []
        deadline = time.time() + 5
        while time.time() < deadline:
            t0 = time.time()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
            health.append(time.time() - t0)
            time.sleep(0.25)
        for t in threads:
            t.join(timeout=20)
        assert len(results) == 20, results
        for i, (seconds, status) in sorted(results.items()):
            assert seconds < 8, f"socket {i} was held {seconds:.1f} s"
            assert status in ("HTTP/1.1 408 Request Timeout", ""), f"socket {i}: {status!r}"
        timed_out = sum(1 for s, st in results.values() if st.startswith("HTTP/1.1 408"))
        assert timed_out >= 18, f"only {timed_out} of 20 got a 408"
        assert max(health) < 1.0, f"/healthz took up to {max(health):.2f} s"
        assert server.poll() is None, "the server died"
        # Client faults are 4xx, never 5xx: a malformed chunked body, and a form of half a million empty fields
        # (refused after 500 fields, before any parsing cost).
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"POST /api/v1/recommendations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\nZZ\r\nab\r\n0\r\n\r\n")
        line = c.recv(200).split(b"\r\n")[0].decode()
        c.close()
        assert line.startswith("HTTP/1.1 400"), line
        token = "A" * 43
        body = ("csrf_token=" + token + "&" + "a&" * 500_000).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/preview", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "casebook_csrf=" + token})
        t0 = time.time()
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("a form of 500,000 fields was accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 400, e.code
            assert b"more than 500 fields" in e.read()
        form_seconds = time.time() - t0
        assert form_seconds < 1.0, f"refusing the huge form took {form_seconds:.2f} s"
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        fives = [l for l in metrics.splitlines() if l.startswith("hb_requests") and 'status_code="5' in l]
        assert not fives, fives
        print(f"client faults: malformed chunked body → 400; 500,000-field form → 400 in {form_seconds * 1000:.0f} ms; no 5xx counted")
        print(f"slow bodies: 20 sockets closed after {min(r[0] for r in results.values()):.1f}–{max(r[0] for r in results.values()):.1f} s "
              f"({timed_out} with a 408); /healthz answered {len(health)} times, slowest {max(health) * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
