"""Time :func:`classifier.group_ads` on many ads and report throughput and peak memory.

Usage::

    CLASSIFIER_DATA_DIR=/path/to/datasets python benchmarks/bench_dedup.py 1000000 --n-jobs 2
    python benchmarks/bench_dedup.py --input ads.parquet --n-jobs 2

The ads are generated with ``benchmarks/make_ads.py`` (not timed) unless ``--input`` is
given. Peak memory is sampled from ``/proc`` for this process *and* its worker processes
(joblib's loky workers outlive a call, so ``getrusage(RUSAGE_CHILDREN)`` would miss them),
as PSS (shared pages split between processes: the memory really held) and RSS (shared
pages counted in every process); ``ru_maxrss`` of this process alone is printed as well.
CPU seconds are those of the whole process tree, and the load average tells whether other
work competed for the cores.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow as pa  # noqa: E402
from make_ads import make_ads, read_ads  # noqa: E402

from classifier.text._grouping import duplicate_stats, group_ads  # noqa: E402

_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces: fields after the closing bracket are fixed.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, stack = [], [pid]
    while stack:
        p = stack.pop()
        tree.append(p)
        stack.extend(children.get(p, []))
    return tree


def _tree_memory(pid: int) -> tuple[int, int]:
    """Resident and proportional set size in bytes of ``pid`` and all its descendants.

    RSS counts a page shared by several processes (libraries, joblib's memory-mapped
    arrays) once per process; PSS splits it between them, so the PSS of a tree is the
    memory it really holds.
    """
    rss = pss = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return rss, pss


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


class PeakMemory:
    """Sample the memory of this process tree in a background thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        rss, pss = _tree_memory(os.getpid())
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _normalise_one_chunk(texts: list[str], link_contacts: bool) -> float:
    from classifier.text._normalize import normalize_and_extract, normalize_text

    start = time.process_time()
    for text in texts:
        normalize_and_extract(text) if link_contacts else normalize_text(text)
    return time.process_time() - start


def _normalise_cpu(texts: list, n_jobs: int, link_contacts: bool) -> float:
    """CPU seconds the normaliser alone spends on the distinct texts, in chunks as
    ``group_ads`` hands them to its workers: the share of ``dedup`` a faster normaliser
    removes (the rest is hashing, MinHash, LSH and the components)."""
    from joblib import Parallel, delayed

    distinct = list(dict.fromkeys(t if isinstance(t, str) else "" for t in texts))
    chunk = 20_000
    return sum(Parallel(n_jobs=n_jobs)(
        delayed(_normalise_one_chunk)(distinct[i : i + chunk], link_contacts)
        for i in range(0, len(distinct), chunk)
    ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000,
                        help="number of ads to generate (ignored with --input)")
    parser.add_argument("--input", help="read ads (.csv, .parquet, .jsonl) instead")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--num-perm", type=int, default=None)
    parser.add_argument("--no-contacts", action="store_true")
    parser.add_argument("--split", action="store_true",
                        help="afterwards, time the normaliser alone on the distinct texts "
                             "(same jobs) and report the CPU of everything else")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    ads = read_ads(args.input) if args.input else make_ads(args.n, seed=args.seed)
    texts = ads["text"].tolist()
    del ads
    # Hand the reader's and generator's freed memory back to the system, for a fair
    # baseline: what remains is the list of texts group_ads needs.
    gc.collect()
    pa.default_memory_pool().release_unused()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    prepared = time.perf_counter() - start
    kwargs = {"n_jobs": args.n_jobs, "link_contacts": not args.no_contacts}
    if args.threshold is not None:
        kwargs["threshold"] = args.threshold
    if args.num_perm is not None:
        kwargs["num_perm"] = args.num_perm

    baseline, _ = _tree_memory(os.getpid())
    load_before = os.getloadavg()[0]
    cpu_before = _tree_cpu(os.getpid())
    with PeakMemory() as memory:
        start = time.perf_counter()
        groups = group_ads(texts, **kwargs)
        elapsed = time.perf_counter() - start
        # Before the sampler stops: the workers are still alive to be counted.
        cpu = _tree_cpu(os.getpid()) - cpu_before
    result = {
        "n_ads": len(texts),
        "input": args.input or f"make_ads(n={args.n}, seed={args.seed})",
        "input_seconds": round(prepared, 1),
        "group_ads_kwargs": kwargs,
        "elapsed_seconds": round(elapsed, 1),
        "ads_per_second": round(len(texts) / elapsed),
        "cpu_seconds": round(cpu, 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rss_before_gib": round(baseline / 2**30, 2),
        "peak_pss_tree_gib": round(memory.peak_pss / 2**30, 2),
        "peak_rss_tree_gib": round(memory.peak_rss / 2**30, 2),
        "peak_rss_self_gib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30, 2
        ),
        "cpu_count": os.cpu_count(),
        "stats": duplicate_stats(groups),
    }
    if args.split:
        normalise = _normalise_cpu(texts, args.n_jobs, not args.no_contacts)
        result["normalise_cpu_seconds"] = round(normalise, 1)
        result["other_cpu_seconds"] = round(cpu - normalise, 1)
        result["other_cpu_us_per_ad"] = round((cpu - normalise) / len(texts) * 1e6, 1)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
