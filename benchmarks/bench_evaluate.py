"""Time ``classifier evaluate --report DIR`` end to end, as a user runs it.

The command runs in a fresh process each time (interpreter start-up, imports, data loading,
grouping, all model fits, bootstrap, plots and files), so the figure is what a user waits for.
The target is under a minute on the chainbreaker dataset on a 2-core machine::

    CLASSIFIER_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/bench_evaluate.py
    .venv/bin/python benchmarks/bench_evaluate.py --repeat 3 -- --split group --split random

Arguments after ``--`` are passed on to ``classifier evaluate``. Exits with status 1 when the
fastest run exceeds ``--budget`` seconds.
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(dataset: str, extra: list[str]) -> tuple[float, float, list[str]]:
    """Run the command once into a temporary report directory.

    Returns wall-clock seconds, CPU seconds of the command and its worker processes (which
    it waits for), and the files written. On a shared machine the wall time depends on the
    load; the CPU time does not, and divided by the cores it bounds the time on an idle one.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        command = [sys.executable, "-m", "classifier", "evaluate", "--dataset", dataset,
                   "--report", str(report), *extra]
        cpu = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - cpu
        if done.returncode != 0:
            sys.exit(f"command failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
        return elapsed, cpu, sorted(p.name for p in report.iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="chainbreaker")
    parser.add_argument("--repeat", type=int, default=1, help="runs to time (default 1)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds the fastest run must stay under (default 60)")
    parser.add_argument("extra", nargs="*", help="arguments for classifier evaluate (after --)")
    args = parser.parse_args(argv)
    times, cpus, files = [], [], []
    load = os.getloadavg()[0]
    for _ in range(args.repeat):
        elapsed, cpu, files = run_once(args.dataset, args.extra)
        times.append(elapsed)
        cpus.append(cpu)
    result = {
        "command": f"classifier evaluate --dataset {args.dataset} --report DIR "
                   + " ".join(args.extra),
        "cpus": os.cpu_count(),
        "load_average_before": round(load, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "seconds": [round(t, 1) for t in times],
        "cpu_seconds": [round(c, 1) for c in cpus],
        "best": round(min(times), 1),
        "median": round(statistics.median(times), 1),
        "budget": args.budget,
        "files": files,
    }
    print(json.dumps(result, indent=2))
    return 0 if min(times) < args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
