"""Fixtures of the service tests: a server in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("prometheus_client")


@pytest.fixture
def edge_texts() -> list[str]:
    """Edge cases of text preparation: blanks, over-long texts, U+FFFD, non-ASCII, repeats."""
    return [
        "new in town sweet young girls call now",
        "",
        "   \n\t ",
        "  padded with spaces and a newline\n",
        "x" * 25_000,
        "new girls " * 2_500,  # 25,000 characters, cut inside the scored text
        "broken \ufffd bytes here",
        "Café ✨ 💋 petite 19yo, ＮＥＷ in town",
        "independent mature companion with a warm smile",
        "new in town sweet young girls call now",  # a repeat
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``classifier serve`` running in a subprocess, and how to reach it."""

    def __init__(self, model_dir: Path, *args: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        # The package under test, wherever pytest imported it from.
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "classifier", "serve", "--model", str(model_dir),
                 "--port", str(self.port), *args],
                stdout=out, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not ready after {timeout} s:\n{self.log.read_text()}")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM the server and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_server(model_dir: Path, *args: str, log: Path) -> Server:
    server = Server(model_dir, *args, log=log)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def start(tmp_path) -> Iterator:
    """``start(model_dir, *args)`` starts a server; every one started is stopped at the end."""
    servers: list[Server] = []

    def start_one(model_dir: Path, *args: str) -> Server:
        servers.append(start_server(model_dir, *args, log=tmp_path / f"log{len(servers)}"))
        return servers[-1]

    yield start_one
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def server(_small_model, tmp_path_factory) -> Iterator[Server]:
    """One server (1 worker, no token) shared by the tests that do not stop it."""
    server = start_server(_small_model[1], log=tmp_path_factory.mktemp("server") / "log")
    yield server
    server.stop()
