#!/usr/bin/env python3
"""Generate FSRS-6 reference fixtures for the SpacedRepetition Swift tests.

Uses py-fsrs (PyPI package `fsrs`, pinned: fsrs==6.3.2, see scripts/requirements-fsrs.txt)
with fuzz OFF to replay randomly generated review histories, and writes JSON Lines with the
card's state after every review to Tests/SpacedRepetitionTests/Fixtures/.

    pip install -r scripts/requirements-fsrs.txt
    python3 scripts/fsrs_reference.py            # writes the fixtures
    python3 scripts/fsrs_reference.py --check    # regenerates in memory, fails if files differ

Each fixture file holds one scheduler configuration (listed in manifest.json). Every line is
one review, in the `casebook srs replay` input format plus the expected output fields:

    {"card": "c1", "rating": 3, "at": "2026-01-01T00:00:00Z",
     "state": "review", "step": null, "stability": 2.3065, "difficulty": 2.118..., 
     "due": "2026-01-03T00:00:00Z", "retrievability": 0.0}

`retrievability` is py-fsrs `get_card_retrievability(card, at)` just before the review (0 for a
card's first review). Lines are ordered by review time, so cards are interleaved. The output is
deterministic (fixed random seed).

fuzz-ranges.json holds py-fsrs's fuzz range [interval, min_ivl, max_ivl] for intervals 3..399 and
a few large ones, for maximum intervals 36500 and 30.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fsrs
from fsrs import Card, Rating, Scheduler, State

EXPECTED_FSRS_VERSION = "6.3.2"

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "SpacedRepetitionTests" / "Fixtures"

# (file stem, desired retention, maximum interval, number of cards)
CONFIGS = [
    ("default", 0.9, 36500, 240),
    ("retention-0.70", 0.70, 36500, 45),
    ("retention-0.80", 0.80, 36500, 45),
    ("retention-0.95", 0.95, 36500, 45),
    ("retention-0.97", 0.97, 36500, 40),
    ("maximum-interval-30", 0.9, 30, 45),
]

STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}

DAY = 86400.0


def iso(dt: datetime) -> str:
    """ISO-8601 UTC with a `Z`; microseconds only when non-zero (the replay output format)."""
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        base += f".{dt.microsecond:06d}"
    return base + "Z"


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def next_review_time(rng: random.Random, card: Card, now: datetime) -> datetime:
    """Pick when the card is reviewed next: on time, early, late, same day, or a random gap."""
    kind = rng.random()
    due_gap = (card.due - now).total_seconds()
    if kind < 0.30:  # about on time (a little late)
        gap = due_gap + rng.choice([0.0, rng.uniform(0, 600), rng.uniform(0, 8 * 3600)])
    elif kind < 0.50:  # same day, seconds to hours
        gap = log_uniform(rng, 1, 20 * 3600)
    elif kind < 0.75:  # anything from seconds to months
        gap = log_uniform(rng, 1, 200 * DAY)
    elif kind < 0.87:  # early
        gap = max(1.0, due_gap * rng.uniform(0.05, 0.95))
    else:  # late, up to a few months overdue
        gap = due_gap + log_uniform(rng, 3600, 120 * DAY)
    gap = max(1.0, gap)
    # Whole seconds mostly; some with microseconds, some landing exactly on day boundaries.
    roll = rng.random()
    if roll < 0.15:
        delta = timedelta(seconds=int(gap), microseconds=rng.randrange(1, 1_000_000))
    elif roll < 0.22:
        delta = timedelta(days=max(1, round(gap / DAY)))
    else:
        delta = timedelta(seconds=int(gap))
    return now + delta


def rating_for(rng: random.Random, profile: list[float]) -> Rating:
    return rng.choices([Rating.Again, Rating.Hard, Rating.Good, Rating.Easy], weights=profile)[0]


def generate(seed: int = 20260101) -> dict[str, list[str]]:
    rng = random.Random(seed)
    outputs: dict[str, list[str]] = {}
    card_number = 0
    for stem, retention, max_ivl, n_cards in CONFIGS:
        scheduler = Scheduler(
            desired_retention=retention, maximum_interval=max_ivl, enable_fuzzing=False
        )
        rows: list[tuple[datetime, int, str]] = []
        for _ in range(n_cards):
            card_number += 1
            card_id = f"c{card_number}"
            if card_number % 97 == 0:
                card_id = f"card/\u00fc-\"{card_number}\""  # exercises JSON escapes
            profile = rng.choice(
                [
                    [0.15, 0.15, 0.55, 0.15],  # typical
                    [0.45, 0.2, 0.3, 0.05],  # hard card, many lapses
                    [0.05, 0.05, 0.4, 0.5],  # easy card
                    [0.25, 0.25, 0.25, 0.25],  # uniform
                ]
            )
            n_reviews = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 18])
            start = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(
                seconds=rng.randrange(0, 3 * 365 * 86400)
            )
            card = Card(card_id=card_number, due=start)
            now = start
            for index in range(n_reviews):
                if index > 0:
                    now = next_review_time(rng, card, now)
                rating = rating_for(rng, profile)
                retrievability = scheduler.get_card_retrievability(card, now)
                card, _ = scheduler.review_card(card, rating, now)
                line = json.dumps(
                    {
                        "card": card_id,
                        "rating": int(rating),
                        "at": iso(now),
                        "state": STATE_NAMES[card.state],
                        "step": card.step,
                        "stability": float(card.stability),
                        "difficulty": float(card.difficulty),
                        "due": iso(card.due),
                        "retrievability": float(retrievability),
                    },
                    separators=(",", ":"),
                )
                rows.append((now, len(rows), line))
        rows.sort(key=lambda row: (row[0], row[1]))  # interleave cards by review time
        outputs[f"fsrs-{stem}.jsonl"] = [line for _, _, line in rows]
    return outputs


def reference_fuzz_range(scheduler: Scheduler):
    """py-fsrs's own `_get_fuzz_range` (a closure inside `_get_fuzzed_interval`), bound to `scheduler`."""
    import fsrs.scheduler as module

    code = next(
        c for c in Scheduler._get_fuzzed_interval.__code__.co_consts
        if isinstance(c, types.CodeType) and c.co_name == "_get_fuzz_range"
    )
    assert code.co_freevars == ("self",), code.co_freevars
    return types.FunctionType(code, module.__dict__, None, None, (types.CellType(scheduler),))


def fuzz_ranges() -> str:
    """py-fsrs's fuzz range (min_ivl, max_ivl) for a spread of intervals and two maximum intervals."""
    days = list(range(3, 400)) + [500, 777, 1000, 2500, 9999, 36499, 36500]
    result = []
    for max_ivl in (36500, 30):
        get_range = reference_fuzz_range(Scheduler(maximum_interval=max_ivl))
        ranges = [[d, *get_range(interval_days=d)] for d in days if d <= max_ivl]
        result.append({"maximum_interval": max_ivl, "ranges": ranges})
    return json.dumps(result, separators=(",", ":")) + "\n"


def manifest() -> str:
    entries = [
        {
            "file": f"fsrs-{stem}.jsonl",
            "desired_retention": retention,
            "maximum_interval": max_ivl,
        }
        for stem, retention, max_ivl, _ in CONFIGS
    ]
    return json.dumps(
        {"generator": "scripts/fsrs_reference.py", "fsrs_version": fsrs_version(), "fixtures": entries},
        indent=2,
    ) + "\n"


def fsrs_version() -> str:
    from importlib.metadata import version

    return version("fsrs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify the committed fixtures are up to date")
    parser.add_argument("--out", type=Path, default=FIXTURES, help="output directory")
    args = parser.parse_args()

    if fsrs_version() != EXPECTED_FSRS_VERSION:
        print(f"warning: fsrs {fsrs_version()} installed, fixtures are pinned to {EXPECTED_FSRS_VERSION}", file=sys.stderr)

    files = {name: "\n".join(lines) + "\n" for name, lines in generate().items()}
    files["manifest.json"] = manifest()
    files["fuzz-ranges.json"] = fuzz_ranges()
    if args.check:
        stale = [n for n, text in files.items() if not (args.out / n).exists() or (args.out / n).read_text() != text]
        if stale:
            print("stale fixtures: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("fixtures up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text)
    total = sum(len(t) for t in files.values())
    print(f"wrote {len(files)} files, {total} bytes, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
