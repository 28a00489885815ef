"""``classifier serve``: the command line of the scoring service."""

from __future__ import annotations

from pathlib import Path

import click

from classifier.serve._options import GRACEFUL_SECONDS, MAX_ADS, MAX_BODY_BYTES


@click.command("serve")
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False),
              metavar="DIR", help="Model directory to serve.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. A non-loopback address needs --token-file; "
                   "prefer a reverse proxy in front of 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port to listen on.")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              metavar="N", help="Worker processes, each with its own copy of the model.")
@click.option("--token-file", type=click.Path(dir_okay=False), metavar="F",
              help="File holding a bearer token: every request except /healthz must send "
                   "'Authorization: Bearer <token>'.")
@click.option("--max-body-bytes", type=click.IntRange(1), default=MAX_BODY_BYTES,
              show_default=True, metavar="N", help="Larger request bodies get 413.")
@click.option("--max-ads", type=click.IntRange(1), default=MAX_ADS, show_default=True,
              metavar="N", help="Requests with more ads get 422.")
@click.option("--graceful-seconds", type=click.FloatRange(0), default=GRACEFUL_SECONDS,
              show_default=True, metavar="S",
              help="On SIGTERM, time given to in-flight requests to finish.")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request (costs time at high request rates).")
def serve_cmd(model_dir: str, token_file: str | None, **kwargs) -> None:
    """Serve scores over HTTP: POST /v1/score, GET /healthz, /v1/model, /metrics.

    Texts longer than 20,000 characters are cut (status 'truncated'), as in 'score'.
    The OpenAPI schema is at /openapi.json. Stops gracefully on SIGTERM.
    """
    from importlib.util import find_spec

    # Not imported here: prometheus_client must be imported after run() configures it.
    for name in ("fastapi", "uvicorn", "prometheus_client"):
        if find_spec(name) is None:
            raise click.ClickException(
                f"the serve command needs {name}: pip install 'classifier[serve]'")
    from classifier.serve import ServeOptions, run

    run(ServeOptions(model_dir=Path(model_dir),
                     token_file=None if token_file is None else Path(token_file), **kwargs))
