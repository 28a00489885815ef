"""Load benchmark of ``classifier serve``: its own load generator on loopback, bounded in time.

Starts ``classifier serve --workers 2`` on a free 127.0.0.1 port, waits for ``/healthz``,
warms the workers up, then runs two phases of ``--seconds / 2`` each:

- one-ad requests from ``--clients`` concurrent clients: latency p50 / p99 (target: p99 <=
  20 ms);
- 100-ad requests from ``--clients`` concurrent clients: ads per second (target: >= 5,000
  with 2 workers).

Every non-200 answer, wrong result count or connection error counts as an error (target:
none). The server is then stopped with SIGTERM, and its exit code reported. Prints JSON.

Each client is a thread with its own keep-alive connection (``http.client``: far cheaper per
request than an async HTTP client, so the generator takes less CPU from the server on the
same machine). Ads are ChainBreaker texts (``$CLASSIFIER_DATA_DIR/chainbreaker/raw.csv``) or
the ``text`` column of ``--ads FILE``.

Usage::

    classifier train --dataset chainbreaker --out models/cb
    CLASSIFIER_DATA_DIR=../shared/datasets python benchmarks/bench_serve.py --model models/cb
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]


def load_texts(path: str | None) -> list[str]:
    if path is None:
        data_dir = os.environ.get("CLASSIFIER_DATA_DIR")
        if not data_dir:
            sys.exit("set CLASSIFIER_DATA_DIR (holding chainbreaker/raw.csv) or give --ads FILE")
        frame = pd.read_csv(Path(data_dir) / "chainbreaker" / "raw.csv", sep=";", dtype=str)
    else:
        frame = pd.read_csv(path, dtype=str)
    return frame["text"].fillna("").tolist()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(model: str, workers: int, port: int, log) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen(
        [sys.executable, "-m", "classifier", "serve", "--model", model, "--port", str(port),
         "--workers", str(workers)], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with code {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("the server did not answer /healthz within 120 s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` and its children."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def load_phase(port: int, bodies: list[bytes], n_ads: int, clients: int,
               seconds: float, server_pid: int) -> dict:
    """``clients`` threads post ``bodies`` (in turn) for ``seconds``; latencies and errors."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    error_examples: list[str] = []

    def client(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while time.monotonic() < stop:
            body = bodies[rng.randrange(len(bodies))]
            started = time.perf_counter()
            try:
                conn.request("POST", "/v1/score", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 200 and len(json.loads(payload)["results"]) == n_ads
                if not ok and len(error_examples) < 5:
                    error_examples.append(f"{response.status}: {payload[:200]!r}")
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                ok = False
                if len(error_examples) < 5:
                    error_examples.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            latencies[k].append(time.perf_counter() - started)
            errors[k] += not ok
        conn.close()

    began, cpu_before = time.perf_counter(), cpu_seconds(server_pid)
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    server_cpu = cpu_seconds(server_pid) - cpu_before
    times = np.concatenate([np.asarray(t) for t in latencies]) * 1000
    n = len(times)
    return {
        "ads_per_request": n_ads,
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": n,
        "errors": sum(errors),
        "error_examples": error_examples,
        "requests_per_s": round(n / elapsed, 1),
        "ads_per_s": round(n * n_ads / elapsed, 1),
        "p50_ms": round(float(np.percentile(times, 50)), 2) if n else None,
        "p90_ms": round(float(np.percentile(times, 90)), 2) if n else None,
        "p99_ms": round(float(np.percentile(times, 99)), 2) if n else None,
        "max_ms": round(float(times.max()), 2) if n else None,
        # Less sensitive to other load on the machine than the wall-clock figures.
        "server_cpu_ms_per_request": round(server_cpu / n * 1000, 3) if n else None,
        "server_cpu_us_per_ad": round(server_cpu / (n * n_ads) * 1e6, 1) if n else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory to serve")
    parser.add_argument("--ads", help="CSV with a text column (default: ChainBreaker)")
    parser.add_argument("--seconds", type=float, default=60, help="load time, both phases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    texts = load_texts(args.ads)
    rng = random.Random(args.seed)

    def body(n: int) -> bytes:
        ads = [{"id": str(i), "text": rng.choice(texts)} for i in range(n)]
        return json.dumps({"ads": ads}).encode()

    one_ad = [body(1) for _ in range(2000)]
    hundred = [body(100) for _ in range(50)]
    port = free_port()
    with tempfile.NamedTemporaryFile("w+b", prefix="bench-serve-", suffix=".log",
                                     delete=False) as log:
        started = time.perf_counter()
        server = start_server(args.model, args.workers, port, log)
        startup = time.perf_counter() - started
        try:
            # Warm-up, not counted: lazy set-up in every worker, connections, caches.
            load_phase(port, one_ad, 1, args.clients, min(5.0, args.seconds / 10), server.pid)
            single = load_phase(port, one_ad, 1, args.clients, args.seconds / 2, server.pid)
            batch = load_phase(port, hundred, 100, args.clients, args.seconds / 2, server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                exit_code = server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                exit_code = None
    result = {
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "startup_seconds": round(startup, 2),
        "one_ad": single,
        "hundred_ads": batch,
        "errors": single["errors"] + batch["errors"],
        "server_exit_code": exit_code,
        "server_log": log.name if exit_code != 0 else None,
        "targets_met": {
            "one_ad_p99_le_20ms": single["p99_ms"] is not None and single["p99_ms"] <= 20,
            "hundred_ads_ge_5000_ads_per_s": batch["ads_per_s"] >= 5000,
            "zero_errors": single["errors"] + batch["errors"] == 0,
        },
    }
    if exit_code == 0:  # keep the server's log only when something went wrong
        Path(log.name).unlink()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
