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
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd

from classifier._normalize import normalize_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=50)
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
    best_chunks = 0.0
    for i in range(0, len(texts), args.chunk):
        chunk = texts[i : i + args.chunk]
        times = []
        for _ in range(args.repeats):
            start = clock()
            for text in chunk:
                normalize_text(text)
            times.append(clock() - start)
        best_chunks += min(times)
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
    print(f"reference, ' '.join(text.lower().split()): {min(reference):.1f} µs/ad")


if __name__ == "__main__":
    main()
