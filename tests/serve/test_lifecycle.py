"""Starting and stopping the service: loopback-only by default, tokens, SIGTERM, workers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest

from classifier import ClassifierError
from classifier.serve import ServeOptions
from classifier.serve._options import check_options


def test_refuses_a_non_loopback_host_without_a_token(saved_model_dir):
    result = subprocess.run(
        [sys.executable, "-m", "classifier", "serve", "--model", str(saved_model_dir),
         "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: refusing to listen on non-loopback host '0.0.0.0'")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_hosts_need_no_token(tmp_path, host):
    check_options(ServeOptions(model_dir=tmp_path, host=host))


def test_a_token_file_allows_other_hosts_and_must_hold_a_token(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    check_options(ServeOptions(model_dir=tmp_path, host="0.0.0.0", token_file=token))
    token.write_text("  \n")
    with pytest.raises(ClassifierError, match="empty"):
        check_options(ServeOptions(model_dir=tmp_path, host="0.0.0.0", token_file=token))


def test_with_a_token_every_path_but_healthz_needs_it(start, saved_model_dir, tmp_path):
    (tmp_path / "token").write_text("s3cret-token\n")
    server = start(saved_model_dir, "--token-file", str(tmp_path / "token"))
    good = {"Authorization": "Bearer s3cret-token"}
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    for path in ("/v1/model", "/metrics", "/openapi.json"):
        assert httpx.get(f"{server.url}{path}").status_code == 401
        assert httpx.get(f"{server.url}{path}", headers=good).status_code == 200
    body = {"ads": [{"text": "new in town"}]}
    for headers in ({}, {"Authorization": "Bearer s3cret"}, {"Authorization": "s3cret-token"},
                    {"Authorization": "Basic s3cret-token"}):
        response = httpx.post(f"{server.url}/v1/score", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "missing or wrong bearer token"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert httpx.post(f"{server.url}/v1/score", json=body, headers=good).status_code == 200


def test_sigterm_lets_an_in_flight_request_finish(start, saved_model_dir, ads):
    # Enough distinct ads to keep the server busy for seconds after the signal, even on the
    # compiled core.
    n = 20_000
    server = start(saved_model_dir, "--max-ads", str(n), "--max-body-bytes", str(2**28))
    texts = (ads["text"] + " ") * 20
    body = {"ads": [{"id": i, "text": f"{texts[i % len(texts)]} {i}"} for i in range(n)]}
    answer: dict = {}

    def request() -> None:
        answer["response"] = httpx.post(f"{server.url}/v1/score", json=body, timeout=120)
        answer["done"] = time.monotonic()

    thread = threading.Thread(target=request)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the request finished before the signal: make it longer"
    signalled = time.monotonic()
    code = server.stop()
    thread.join(60)
    assert answer["done"] > signalled
    assert answer["response"].status_code == 200
    assert len(answer["response"].json()["results"]) == n
    assert code == 0
    assert "Traceback" not in server.log.read_text()
    with pytest.raises(httpx.TransportError):  # and it no longer listens
        httpx.get(f"{server.url}/healthz", timeout=2)


def test_two_workers_serve_and_add_up_their_metrics(start, saved_model_dir):
    server = start(saved_model_dir, "--workers", "2")
    for i in range(12):  # a new connection each time, so both workers get some
        response = httpx.post(f"{server.url}/v1/score", json={"ads": [{"text": f"ad {i}"}]})
        assert response.status_code == 200
    metrics = httpx.get(f"{server.url}/metrics").text
    assert "classifier_ads_scored_total 12.0" in metrics
    assert server.stop() == 0
    assert "Traceback" not in server.log.read_text()


def test_a_port_in_use_is_one_error_line(server, saved_model_dir):
    result = subprocess.run(
        [sys.executable, "-m", "classifier", "serve", "--model", str(saved_model_dir),
         "--port", str(server.port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{server.port}: " \
                            "Address already in use\n"
