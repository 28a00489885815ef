"""Start-up benchmark: how long short ``classifier`` commands take, end to end.

Runs each command ``--repeats`` times (after one warm-up run, so the disk cache is warm) in
its own process and prints, as JSON, the median wall time and the median CPU time (user +
system of the process and its children). On a busy machine wall time grows with the load,
CPU time much less: report both.

Commands: ``--help``, ``--version``, ``score --help``, ``score --model DIR --text T`` and
``explain --model DIR T``. The model directory is trained on ChainBreaker when not given.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_startup.py --model DIR
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "New in town!! sweet young girls, call 587 555 0143, 19 yrs"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model directory (default: train one on chainbreaker)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    classifier = [sys.executable, "-m", "classifier"]
    model = args.model
    if model is None:
        model = str(Path(tempfile.mkdtemp(prefix="bench_startup_")) / "model")
        subprocess.run([*classifier, "train", "--dataset", "chainbreaker", "-o", model],
                       check=True, stdout=subprocess.DEVNULL)
    commands = {
        "--help": ["--help"],
        "--version": ["--version"],
        "score --help": ["score", "--help"],
        "score --model DIR --text T": ["score", "--model", model, "--text", TEXT],
        "explain --model DIR T": ["explain", "--model", model, TEXT],
    }
    result: dict = {"repeats": args.repeats, "load_average": os.getloadavg()[0]}
    for name, command in commands.items():
        timed([*classifier, *command])  # warm the disk cache
        runs = [timed([*classifier, *command]) for _ in range(args.repeats)]
        result[name] = {"wall_s": round(statistics.median(w for w, _ in runs), 3),
                        "cpu_s": round(statistics.median(c for _, c in runs), 3)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
