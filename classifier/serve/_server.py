"""Running the service under uvicorn, in one process or several."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import sys
import tempfile

from classifier.serve._options import ServeOptions, check_options, check_port

#: Import string of the app factory run by every worker process.
_FACTORY = "classifier.serve._app:app_from_env"


def run(options: ServeOptions) -> None:
    """Serve until SIGTERM or Ctrl-C; in-flight requests finish before the process exits.

    With ``options.workers > 1`` uvicorn starts that many worker processes; each loads the
    model itself (they share nothing but the model directory and the metrics directory).
    """
    check_options(options)
    check_port(options.host, options.port)
    from classifier import load_model

    # Load once here so that a bad model directory is one error line, not a crash per worker.
    model = load_model(options.model_dir)
    metrics_dir = None
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Fresh per run: stale files of an earlier run would add their counts to ours.
        metrics_dir = tempfile.mkdtemp(prefix="classifier-serve-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    import uvicorn

    from classifier.serve._app import OPTIONS_ENV, create_app

    settings = dict(host=options.host, port=options.port, access_log=options.access_log,
                    timeout_graceful_shutdown=options.graceful_seconds, server_header=False,
                    log_level="info")
    # uvicorn re-raises SIGTERM once it has shut down gracefully; exit with 0 instead of
    # being killed by it, so that service managers see a clean stop.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        if options.workers == 1:
            uvicorn.run(create_app(model, options), **settings)
        else:
            del model
            gc.collect()
            os.environ[OPTIONS_ENV] = options.to_json()
            uvicorn.run(_FACTORY, factory=True, workers=options.workers, **settings)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
