"""End-to-end batch-scoring benchmark: ``classifier score`` against a naive notebook pipeline.

Builds a CSV of realistic ads (``make_ads.py``: resampled ChainBreaker ads with new contact
data and small edits), then times, file to file, each in its own process:

- ``classifier score MODEL ads.csv -o scores.csv`` (explanations on, all cores);
- the naive reference a typical notebook uses: word 1-2-gram + char_wb 2-5-gram TF-IDF and a
  logistic regression (fitted beforehand on ChainBreaker, loaded with joblib), the whole file
  read with pandas, ``predict_proba``, ``to_csv``.

With the compiled text core installed, ``classifier score`` runs twice, on the compiled core
and on the Python path (``CLASSIFIER_PURE_PYTHON=1``), in the same run: both outputs must be
byte-identical, and ``core_speedup`` is the ratio of their times (``--cores`` picks them).

The fixed cost of a run (imports, model load, starting workers) is timed on a 10-ad file
(best of two) and reported as ``startup_seconds``; ``after_startup_ads_per_s`` is the rate
once that cost is paid, which is what a larger file approaches.

Peak memory is sampled every 50 ms over the process and its children, two ways: the summed
RSS, which counts every page a forked worker shares with its parent once per process, and the
summed PSS (proportional set size: each shared page split between the processes sharing it),
which is the memory the run really takes from the machine.

Usage::

    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_score.py --rows 100000
    python benchmarks/bench_score.py --rows 1000000 --no-naive     # memory flatness
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

NAIVE = """
import sys, joblib, pandas as pd
pipe = joblib.load(sys.argv[1])
ads = pd.read_csv(sys.argv[2])
ads["score"] = pipe.predict_proba(ads["text"].fillna(""))[:, 1]
ads[["id", "score"]].to_csv(sys.argv[3], index=False)
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``cmd``; return wall seconds and peak summed RSS and PSS of its process tree (MiB)."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        env={**os.environ, **(env or {})})
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            try:
                infos = [p.memory_full_info() for p in (proc, *proc.children(recursive=True))]
                peak_rss = max(peak_rss, sum(i.rss for i in infos))
                peak_pss = max(peak_pss, sum(i.pss for i in infos))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {"seconds": seconds, "peak_rss_mib": peak_rss / 2**20, "peak_pss_mib": peak_pss / 2**20}


def fit_naive(path: Path) -> None:
    import joblib
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    import classifier

    ads = classifier.load_dataset("chainbreaker")
    pipe = make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), dtype=np.float32),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), dtype=np.float32)),
        LogisticRegression(max_iter=1000, class_weight="balanced"),
    )
    pipe.fit(ads.text, ads.label.astype(int))
    joblib.dump(pipe, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--model", help="model directory (default: train one on chainbreaker)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--workdir", default=None, help="keep generated files here")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive reference")
    parser.add_argument("--cores", default="rust,python",
                        help="text cores to time, comma-separated (rust is skipped if absent)")
    args = parser.parse_args(argv)
    from classifier._core import CORE

    cores = [c for c in args.cores.split(",") if c == "python" or CORE is not None]

    import pandas as pd
    from make_ads import make_ads, write_ads

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_score_"))
    work.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    ads_path = work / f"ads_{args.rows}.csv"
    if not ads_path.exists():
        write_ads(make_ads(args.rows, seed=0), ads_path)
    model = args.model or str(work / "model")
    if not (Path(model) / "manifest.json").exists():
        subprocess.run([str(bin_dir / "classifier"), "train", "--dataset", "chainbreaker",
                        "--out", model], check=True, stdout=subprocess.DEVNULL)
    mean_chars = sum(len(t) for t in pd.read_csv(ads_path).text.fillna(""))
    mean_chars /= args.rows

    def score_cmd(source: Path, output: Path) -> list[str]:
        cmd = [str(bin_dir / "classifier"), "score", "--model", model, str(source),
               "--id-col", "id", "-o", str(output), "--quiet"]
        return cmd + (["--jobs", str(args.jobs)] if args.jobs else [])

    tiny = work / "ads_10.csv"
    pd.read_csv(ads_path, nrows=10).to_csv(tiny, index=False)
    result: dict = {"rows": args.rows, "mean_chars": round(mean_chars)}
    digests = {}
    for core in cores:
        env = {"CLASSIFIER_PURE_PYTHON": "1" if core == "python" else ""}
        output = work / f"scores_{core}.csv"
        ours = run(score_cmd(ads_path, output), env)
        digests[core] = hashlib.sha256(output.read_bytes()).hexdigest()
        # The same command on the first 10 ads: the fixed cost (imports, model load, workers).
        startup = min(run(score_cmd(tiny, work / "scores_10.csv"), env)["seconds"]
                      for _ in range(2))
        result[core] = {"classifier_score": ours,
                        "classifier_ads_per_s": args.rows / ours["seconds"],
                        "startup_seconds": startup,
                        "after_startup_ads_per_s": args.rows / max(ours["seconds"] - startup,
                                                                   1e-9)}
    if len(set(digests.values())) > 1:
        raise SystemExit(f"the cores wrote different scores: {digests}")
    first = result[cores[0]]
    if len(cores) == 2:
        result["core_speedup"] = (result[cores[1]]["classifier_score"]["seconds"]
                                  / first["classifier_score"]["seconds"])
    if not args.no_naive:
        naive_model = work / "naive.joblib"
        if not naive_model.exists():
            fit_naive(naive_model)
        naive = run([sys.executable, "-c", NAIVE, str(naive_model), str(ads_path),
                     str(work / "naive_scores.csv")])
        result.update(naive=naive, naive_ads_per_s=args.rows / naive["seconds"])
        for core in cores:
            result[core]["speedup"] = naive["seconds"] / result[core]["classifier_score"]["seconds"]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
