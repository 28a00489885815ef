"""Time ``normalize_text`` on the ChainBreaker ads (needs ``CLASSIFIER_DATA_DIR``).

Usage::

    CLASSIFIER_DATA_DIR=/work/shared/datasets python benchmarks/bench_normalize.py

Prints the mean CPU time per ad in two ways, after one warm-up pass that fills the
per-character and per-word caches as a long-running scorer has them, and the time of a trivial
reference workload that tells how busy the machine was:

- ``full passes``: the best and the median of ``--repeats`` passes over all ads;
- ``best of chunks``: the ads in chunks of ``--chunk``, each chunk timed ``--repeats`` times,
  the fastest time of each chunk summed, as ``timeit`` does. On a shared machine other
  processes slow some passes down; the best of short chunks filters most of that out.

With ``--by-script``, the best of chunks is also printed for the pure-ASCII ads and for the
others (fancy letters, emoji): the latter cost several times more per ad.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from classifier.text._normalize import normalize_text


def best_of_chunks(texts: list[str], chunk: int, repeats: int) -> float:
    """Return the CPU seconds for ``texts``, summing the fastest of ``repeats`` per chunk.

    Parameters
    ----------
    texts : list of str
        Ads to normalise.
    chunk : int
        Number of ads timed together.
    repeats : int
        Timings of each chunk; the fastest counts.

    Returns
    -------
    float
        Sum over the chunks of the fastest time, in seconds.
    """
    clock = time.process_time
    total = 0.0
    for i in range(0, len(texts), chunk):
        part = texts[i : i + chunk]
        times = []
        for _ in range(repeats):
            start = clock()
            for text in part:
                normalize_text(text)
            times.append(clock() - start)
        total += min(times)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument(
        "--by-script", action="store_true", help="also time ASCII and non-ASCII ads apart"
    )
    args = parser.parse_args()
    path = Path(os.environ["CLASSIFIER_DATA_DIR"]) / "chainbreaker" / "raw.csv"
    texts = pd.read_csv(path, sep=";", index_col=0)["text"].fillna("").astype(str).tolist()
    for text in texts:  # warm-up
        normalize_text(text)
    clock = time.process_time
    passes = []
    for _ in range(args.repeats):
        start = clock()
        for text in texts:
            normalize_text(text)
        passes.append((clock() - start) / len(texts) * 1e6)
    best_chunks = best_of_chunks(texts, args.chunk, args.repeats)
    # A fixed reference workload, to compare runs on a machine shared with other processes.
    reference = []
    for _ in range(args.repeats):
        start = clock()
        for text in texts:
            " ".join(text.lower().split())
        reference.append((clock() - start) / len(texts) * 1e6)
    ascii_share = sum(t.isascii() for t in texts) / len(texts)
    print(
        f"{len(texts)} ads, median {statistics.median(map(len, texts)):.0f} characters, "
        f"{ascii_share:.0%} pure ASCII; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"full passes:     best {min(passes):6.1f} µs/ad, median {statistics.median(passes):6.1f}"
        f" µs/ad ({args.repeats} passes)"
    )
    print(f"best of chunks:       {best_chunks / len(texts) * 1e6:6.1f} µs/ad")
    if args.by_script:
        for label, subset in (
            ("ASCII", [t for t in texts if t.isascii()]),
            ("non-ASCII", [t for t in texts if not t.isascii()]),
        ):
            if subset:
                per_ad = best_of_chunks(subset, args.chunk, args.repeats) / len(subset) * 1e6
                print(f"  {label:9s} ads ({len(subset):5d}): {per_ad:6.1f} µs/ad")
    print(f"reference, ' '.join(text.lower().split()): {min(reference):.1f} µs/ad")


if __name__ == "__main__":
    main()
