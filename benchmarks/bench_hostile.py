"""Peak memory of `classifier score` on hostile input (issue #12, case 3).

Generates, in a temporary directory, a ~1 MB ``.csv.gz`` holding one 1 GiB field (a
decompression bomb), then scores it twice in a subprocess and reports the peak RSS of the
whole process tree (parent and workers, sampled every 50 ms with psutil):

0. a normal two-row file, for the baseline of the process tree (model, workers);
1. with the default limits: refused as a bomb once it expands past the ratio limit;
2. with the ratio limit lifted (``MAX_RATIO`` patched): read to the end, the field cut
   while read, one row with status ``truncated``.

Run: ``python benchmarks/bench_hostile.py [--gib 1] [--jobs 2]``. Timings on a shared
machine are indicative only.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

RUN = """
import sys
import classifier.io._chunks as chunks
if sys.argv[1] == "lifted":
    chunks.MAX_RATIO = 10**9
from classifier.cli import main
main(sys.argv[2:])
"""


def make_bomb(path: Path, gib: float) -> None:
    block = b"x" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'id,text\n1,"')
        for _ in range(int(gib * 1024)):
            fh.write(block)
        fh.write(b'"\n2,a normal ad after the bomb\n')


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run(args: list[str]) -> tuple[int, int, float, list[str]]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", RUN, *args], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(watched))
        except psutil.Error:
            break
        time.sleep(0.05)
    err = proc.stderr.read().decode()
    return proc.returncode, peak, time.perf_counter() - started, err.strip().splitlines()[-1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="size of the field (GiB)")
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bomb = tmp / "bomb.csv.gz"
        make_bomb(bomb, opts.gib)
        model = tmp / "model"
        subprocess.run([sys.executable, "-m", "classifier", "train", "--data",
                        str(_tiny_training_file(tmp)), "--out", str(model), "--folds", "2"],
                       check=True, capture_output=True)
        normal = tmp / "normal.csv.gz"
        with gzip.open(normal, "wb") as fh:
            fh.write(b'id,text\n1,"a normal ad"\n2,a normal ad after it\n')
        print(f"bomb: {bomb.stat().st_size / 1e6:.2f} MB compressed, one {opts.gib:g} GiB field")
        for mode, source in (("normal", normal), ("default", bomb), ("lifted", bomb)):
            out = tmp / f"scores-{mode}.csv"
            code, peak, seconds, last = run([mode, "score", "--model", str(model), str(source),
                                             "-o", str(out), "--jobs", str(opts.jobs), "-q"])
            rows = ""
            if out.exists():
                import pandas as pd

                table = pd.read_csv(out)
                rows = f", {len(table)} rows, status {table['status'].tolist()}"
            print(f"{mode:8s} exit {code}, peak RSS of the process tree {peak / 2**20:,.0f} MiB, "
                  f"{seconds:.1f} s{rows}; stderr: {' '.join(last)}")


def _tiny_training_file(tmp: Path) -> Path:
    """A small invented training set, enough for a model to score with."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    from conftest import invented_ads

    path = tmp / "train.csv"
    invented_ads(24).to_csv(path, index=False)
    return path


if __name__ == "__main__":
    main()
