#!/usr/bin/env python3
"""Reference fixtures for the Swift sentence encoder (Tests/GraderTests/Fixtures/).

tokens.json: token ids from the `tokenizers` package on the model's tokenizer.json (truncation 256, no padding)
for varied sentences. embeddings.json: sentence embeddings from an independent numpy forward pass of the same
safetensors weights (BERT post-LayerNorm, exact-erf GELU, mean pooling, L2 norm).
Usage: pip install tokenizers safetensors numpy; python3 scripts/make-grader-fixtures.py [MODEL_DIR]
"""
import json, math, os, sys
import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

model_dir = sys.argv[1] if len(sys.argv) > 1 else "data/model/all-MiniLM-L6-v2"
out_dir = os.path.join(os.path.dirname(__file__), "..", "Tests", "GraderTests", "Fixtures")

base = [
    "Candidate generation is a nearest-neighbour search over two-tower embeddings.",
    "We'd keep p99 latency under 200ms at 50k QPS; recall@k and NDCG@10 offline.",
    "Café, naïve, résumé — accents are stripped: Ångström, São Paulo, Zürich.",
    "def score(x): return model.predict(x)[0] * 0.5  # code",
    "Emoji 🚀 and 🔥 appear in posts 😀, plus CJK 推荐系统 and Ελληνικά and русский текст.",
    "Use logQ correction for in-batch negatives so popular items are not over-penalised.",
    "A/B test: 1% of traffic, two weeks, guardrail on watch time; $1.2M/yr at 0.3 bps.",
    "Don't use accuracy — fraud is 0.1% of payments, so a model that says 'no' is 99.9% accurate.",
    "UPPER CASE and MiXeD case, tabs\tand\nnewlines, non\u00a0breaking spaces.",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "x" * 120,
    "",
    "ids: [101, 102]; emails like a.b@example.com; URLs https://example.org/a?b=c&d=e",
    "Point-in-time correct features avoid label leakage from the future.",
    "The re-ranker applies MMR for diversity and caps each creator at two slots.",
]
words = ("the model ranks videos by expected watch time while calibrated click probabilities feed the auction "
         "fraud rings share devices and cards so graph features matter retrieval uses HNSW with ef 200 m 16 "
         "latency budget 50 ms p95 freshness minutes drift PSI KL divergence embedding 384 dims").split()
rng = np.random.default_rng(7)
sentences = list(base)
while len(sentences) < 300:
    n = int(rng.integers(3, 40))
    s = " ".join(rng.choice(words, n))
    if rng.random() < 0.3: s = s.capitalize() + "."
    if rng.random() < 0.2: s += f" {int(rng.integers(0, 100000))}ms, {rng.random():.3f}%"
    sentences.append(s)
sentences.append(" ".join(["long"] * 400))  # truncation at 256

tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
tok.no_padding()
tok.enable_truncation(256)
tokens = [{"text": s, "ids": tok.encode(s).ids} for s in sentences]

w = load_file(os.path.join(model_dir, "model.safetensors"))
def ln(x, g, b):
    m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-12) * g + b
erf = np.vectorize(math.erf)
def embed(ids):
    ids = np.array(ids)
    x = w["embeddings.word_embeddings.weight"][ids].astype(np.float64) + w["embeddings.position_embeddings.weight"][: len(ids)] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    for l in range(6):
        p = f"encoder.layer.{l}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T.astype(np.float64) + w[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.self.{n}").reshape(len(ids), 12, 32).transpose(1, 0, 2) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(32)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(len(ids), 384)
        x = ln(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense"); h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        x = ln(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    m = x.mean(0)
    return (m / np.linalg.norm(m)).tolist()
picked = list(range(len(base))) + [20, 40, 60, 80, len(sentences) - 1]
embeddings = [{"text": sentences[i], "embedding": [round(f, 6) for f in embed(tokens[i]["ids"])]} for i in picked]

os.makedirs(out_dir, exist_ok=True)
json.dump(tokens, open(os.path.join(out_dir, "tokens.json"), "w"), ensure_ascii=False)
json.dump(embeddings, open(os.path.join(out_dir, "embeddings.json"), "w"), ensure_ascii=False)
print(f"{len(tokens)} token fixtures, {len(embeddings)} embedding fixtures")
