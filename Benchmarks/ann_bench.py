#!/usr/bin/env python3
"""Side-by-side ANN benchmark: hnswlib and numpy against `recsys ann-bench` (our Swift HNSW and exact scan).

Generates 200,000 x 64 clustered, normalised float32 vectors (256 Gaussian centres) and 1,000 queries,
computes the exact top-10 by inner product with numpy, writes TEXMEX .fvecs/.ivecs, then runs in one go:

  * hnswlib (M=16, efConstruction=200; build on all cores; queries on one thread, ef in {32, 64, 128})
  * our `ann-bench` with the same M / efConstruction / ef (build on all cores, queries on one thread)
  * numpy exact scan (one query per call) and our `ann-bench --exact`

and prints recall@10, queries/s, build seconds and the ratios ours / theirs.

Usage (from /work/main after `swift build -c release`):
    pip install -r Benchmarks/requirements.txt
    python3 Benchmarks/ann_bench.py                      # uses .build/release/casebook recsys
    RECSYS_BIN="/tmp/rec-pkg/.build/release/recsys-dev recsys" python3 Benchmarks/ann_bench.py
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np


def write_fvecs(path, a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    n, d = a.shape
    out = np.empty((n, d + 1), dtype=np.float32)
    out[:, 0] = np.array([d], dtype=np.int32).view(np.float32)[0]
    out[:, 1:] = a
    out.tofile(path)


def write_ivecs(path, a):
    a = np.ascontiguousarray(a, dtype=np.int32)
    n, d = a.shape
    out = np.empty((n, d + 1), dtype=np.int32)
    out[:, 0] = d
    out[:, 1:] = a
    out.tofile(path)


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:]


def make_data(n, nq, dim, centres, seed, spread):
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)

    def draw(m):
        lab = rng.integers(0, centres, size=m)
        x = c[lab] + spread * rng.standard_normal((m, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x.astype(np.float32)

    return draw(n), draw(nq)


def exact_truth(base, queries, k):
    truth = np.empty((len(queries), k), dtype=np.int32)
    for s in range(0, len(queries), 100):
        sc = queries[s:s + 100] @ base.T
        part = np.argpartition(-sc, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sc, part, axis=1), axis=1)
        truth[s:s + 100] = np.take_along_axis(part, order, axis=1)
    return truth


def recall(found, truth, k):
    hits = 0
    for f, t in zip(found, truth):
        hits += len(set(f[:k].tolist()) & set(t[:k].tolist()))
    return hits / (len(truth) * k)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def run_ours(binary, args):
    cmd = shlex.split(binary) + ["ann-bench"] + args
    print("  $ " + " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=1_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--centres", type=int, default=256)
    ap.add_argument("--spread", type=float, default=0.1, help="per-dimension noise around a centre")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--ef", default="32,64,128")
    ap.add_argument("--repeats", type=int, default=3, help="query passes; the median is reported")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="build threads (both sides)")
    ap.add_argument("--workdir", default=os.environ.get("ANN_BENCH_DIR", "/tmp/ann-bench"))
    ap.add_argument("--bin", default=os.environ.get("RECSYS_BIN", ".build/release/casebook recsys"),
                    help="command prefix that accepts `ann-bench` (env RECSYS_BIN)")
    ap.add_argument("--skip-hnswlib", action="store_true")
    ap.add_argument("--skip-exact", action="store_true")
    a = ap.parse_args()
    efs = [int(x) for x in a.ef.split(",")]
    os.makedirs(a.workdir, exist_ok=True)
    tag = f"{a.n}x{a.dim}_c{a.centres}_s{a.seed}_sp{a.spread}"
    bpath, qpath, tpath = (os.path.join(a.workdir, f"{tag}_{x}") for x in ("base.fvecs", "query.fvecs", "gt.ivecs"))
    if not (os.path.exists(bpath) and os.path.exists(qpath) and os.path.exists(tpath)):
        print(f"generating {a.n} x {a.dim} vectors around {a.centres} centres ...", flush=True)
        base, queries = make_data(a.n, a.queries, a.dim, a.centres, a.seed, a.spread)
        truth = exact_truth(base, queries, 100)
        write_fvecs(bpath, base)
        write_fvecs(qpath, queries)
        write_ivecs(tpath, truth)
    base = np.fromfile(bpath, dtype=np.float32).reshape(-1, a.dim + 1)[:, 1:].copy()
    queries = np.fromfile(qpath, dtype=np.float32).reshape(-1, a.dim + 1)[:, 1:].copy()
    truth = read_ivecs(tpath)
    k = a.k
    rows = []
    print(f"cores: {os.cpu_count()}, build threads: {a.threads}, query threads: 1, n={len(base)}, dim={a.dim}, "
          f"queries={len(queries)}, k={k}", flush=True)

    # hnswlib
    hl = {}
    if not a.skip_hnswlib:
        import hnswlib
        idx = hnswlib.Index(space="ip", dim=a.dim)
        t0 = time.perf_counter()
        idx.init_index(max_elements=len(base), M=a.m, ef_construction=a.ef_construction, random_seed=100)
        idx.add_items(base, np.arange(len(base)), num_threads=a.threads)
        hl_build = time.perf_counter() - t0
        for ef in efs:
            idx.set_ef(ef)
            rates = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                labels, _ = idx.knn_query(queries, k=k, num_threads=1)
                rates.append(len(queries) / (time.perf_counter() - t0))
            hl[ef] = dict(recall=recall(labels, truth, k), qps=median(rates), build=hl_build)
            rows.append(("hnswlib", f"ef={ef}", hl[ef]["recall"], hl[ef]["qps"], hl_build))

    # ours (one build, every ef)
    ours = {}
    out_path = os.path.join(a.workdir, "ours.ivecs")
    res = run_ours(a.bin, ["--base", bpath, "--queries", qpath, "--k", str(k), "--m", str(a.m),
                           "--ef-construction", str(a.ef_construction), "--ef", ",".join(map(str, efs)),
                           "--threads", "1", "--build-threads", str(a.threads), "--out", out_path,
                           "--truth", tpath, "--repeats", str(a.repeats)])
    for r in res:
        ours[r["ef"]] = dict(recall=r["recall_at_k"], qps=r["queries_per_second"], build=r["build_seconds"])
        rows.append(("ours (Swift)", f"ef={r['ef']}", r["recall_at_k"], r["queries_per_second"], r["build_seconds"]))
    found = read_ivecs(out_path)
    ok_recall = recall(found, truth, k)  # re-check the written ids with numpy (last ef)

    # exact scans
    ex = {}
    if not a.skip_exact:
        nq = min(len(queries), 300)
        rates = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            for q in queries[:nq]:
                s = base @ q
                top = np.argpartition(-s, k)[:k]
                top[np.argsort(-s[top])]
            rates.append(nq / (time.perf_counter() - t0))
        ex["numpy"] = median(rates)
        rows.append(("numpy exact", "1 query/call", 1.0, ex["numpy"], 0.0))
        r = run_ours(a.bin, ["--base", bpath, "--queries", qpath, "--k", str(k), "--exact", "--truth", tpath,
                             "--repeats", str(a.repeats)])[0]
        ex["ours"] = r["queries_per_second"]
        ex["ours_recall"] = r["recall_at_k"]
        rows.append(("ours exact", "SIMD scan", r["recall_at_k"], r["queries_per_second"], 0.0))

    print()
    print(f"{'method':<14} {'setting':<13} {'recall@10':>9} {'queries/s':>10} {'build s':>8}")
    for m, s, rc, q, b in rows:
        print(f"{m:<14} {s:<13} {rc:>9.4f} {q:>10.1f} {b:>8.1f}")
    print()
    summary = {"cores": os.cpu_count(), "build_threads": a.threads, "query_threads": 1}
    if hl:
        print("ratios ours / hnswlib (same M, efConstruction, ef; one query thread):")
        for ef in efs:
            if ef in ours:
                qr = ours[ef]["qps"] / hl[ef]["qps"]
                print(f"  ef={ef:<4} QPS ratio {qr:5.2f}   recall ours {ours[ef]['recall']:.4f} vs {hl[ef]['recall']:.4f}")
                summary[f"qps_ratio_ef{ef}"] = round(qr, 3)
        b = ours[efs[0]]["build"] / hl[efs[0]]["build"]
        print(f"  build time ratio (lower is better) {b:5.2f}  ({ours[efs[0]]['build']:.1f} s vs {hl[efs[0]]['build']:.1f} s)")
        summary["build_ratio"] = round(b, 3)
    if ex:
        bytes_per_query = base.nbytes
        print(f"exact scan: ours {ex['ours']:.1f} q/s = {ex['ours'] * bytes_per_query / 1e9:.2f} GB/s, "
              f"numpy {ex['numpy']:.1f} q/s = {ex['numpy'] * bytes_per_query / 1e9:.2f} GB/s, "
              f"ratio {ex['ours'] / ex['numpy']:.2f}")
        summary["exact_gbps_ours"] = round(ex["ours"] * bytes_per_query / 1e9, 2)
        summary["exact_gbps_numpy"] = round(ex["numpy"] * bytes_per_query / 1e9, 2)
    summary["ours_written_ids_recall_check"] = round(ok_recall, 4)
    summary["rows"] = [dict(method=m, setting=s, recall_at_10=round(rc, 4), qps=round(q, 1), build_seconds=round(b, 2))
                       for m, s, rc, q, b in rows]
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
