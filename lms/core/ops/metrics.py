"""Prometheus metrics: the only module that imports ``prometheus_client``.

Per-app registry (tests build several apps in one process). Under gunicorn with several worker processes set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (prometheus_client's own convention); each process then writes
its samples there and a scrape of any process sums them all.
"""
from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _QueueCollector:
    """Job queue depth, read at scrape time from the queue itself (so it is right whichever node enqueued)."""

    def __init__(self, app: Flask, depth):
        self.app, self.depth = app, depth

    def collect(self):
        pending = GaugeMetricFamily("lms_job_queue_depth", "Jobs waiting in the queue", labels=["state"])
        try:
            with self.app.app_context():
                for state, value in self.depth().items():
                    pending.add_metric([state], value)
        except Exception:  # an unreachable queue shows up in /readyz; a scrape must still answer
            pending.add_metric(["unreachable"], 1)
        yield pending


class Metrics:
    """The app's request counters and latency histogram, and the scrape view."""

    def __init__(self, app: Flask, queue_depth):
        multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("lms_http_requests_total", "HTTP requests by endpoint, method and status",
                                ["endpoint", "method", "status"], registry=None if multiproc else self.registry)
        self.latency = Histogram("lms_http_request_duration_seconds", "Time to the response headers",
                                 ["endpoint", "method"], buckets=_BUCKETS,
                                 registry=None if multiproc else self.registry)
        self.scrape_registry = self.registry
        if multiproc:
            from prometheus_client import multiprocess

            self.scrape_registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.scrape_registry)
        self.scrape_registry.register(_QueueCollector(app, queue_depth))

    def start(self) -> None:
        g.lms_started = time.perf_counter()

    def observe(self, response) -> None:
        started = g.pop("lms_started", None)
        if started is None:
            return
        # The URL rule, not the path: bounded label values and no ids of people in the metrics.
        endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        self.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        self.latency.labels(endpoint, request.method).observe(time.perf_counter() - started)

    def render(self) -> Response:
        return Response(generate_latest(self.scrape_registry), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                        headers={"Cache-Control": "no-store"})


def init_app(app: Flask, queue_depth) -> Metrics:
    metrics = Metrics(app, queue_depth)
    app.extensions["lms_metrics"] = metrics
    return metrics


def current() -> Metrics:
    return current_app.extensions["lms_metrics"]


def process_exited(pid: int) -> None:
    """Tell the multiprocess collector a gunicorn worker is gone (its live gauges must not linger)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
