"""Prometheus metrics: requests, ads scored, latency and errors, summed over workers.

With several worker processes every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by :func:`classifier.serve.run` before the workers start)
and ``/metrics`` adds them up, so any worker answers for the whole service.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

# Request latency buckets, in seconds: fine below the 20 ms target, coarse above.
_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0,
            2.5, 5.0, 10.0)
#: Paths that get their own label value; anything else is counted as "other", so that
#: scanners trying random URLs cannot blow up the number of time series.
PATHS = ("/v1/score", "/v1/model", "/healthz", "/metrics", "/openapi.json", "/docs")


class Metrics:
    """The service's metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.multiprocess = "PROMETHEUS_MULTIPROC_DIR" in os.environ
        self.registry = CollectorRegistry()
        self.requests = Counter("classifier_requests", "HTTP requests answered.",
                                ["path", "status"], registry=self.registry)
        self.errors = Counter("classifier_errors", "HTTP requests answered with a status >= 400.",
                              ["path", "status"], registry=self.registry)
        self.ads = Counter("classifier_ads_scored", "Ads scored.", registry=self.registry)
        self.latency = Histogram("classifier_request_duration_seconds",
                                 "Time from request to response, in seconds.", ["path"],
                                 buckets=_BUCKETS, registry=self.registry)

    def observe(self, path: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        path = path if path in PATHS else "other"
        self.requests.labels(path, str(status)).inc()
        if status >= 400:
            self.errors.labels(path, str(status)).inc()
        self.latency.labels(path).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """ASGI middleware timing and counting every HTTP request, whatever answers it."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before answering

        async def send_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe(scope["path"], status, time.perf_counter() - started)
