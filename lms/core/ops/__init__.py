"""Operations: health and readiness, Prometheus metrics, request ids in JSON logs, and proxy headers.

``init_app`` wires them into the app; none of these endpoints needs a login (``/metrics`` is limited by
address instead, with ``METRICS_ALLOW``).
"""
from __future__ import annotations

import ipaddress
import logging
import time

from flask import Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..errors import problem
from ..permissions import PUBLIC
from ..rest import EndpointDoc
from . import health, logs, metrics
from .health import register_readiness_check
from .logs import bound_request_id, current_request_id

__all__ = ["bound_request_id", "current_request_id", "init_app", "register_readiness_check"]

log = logging.getLogger("lms.access")

#: Endpoints polled every few seconds, and static files (a page pulls several); their successes are counted in
#: the metrics but not logged line by line (the proxy's access log has them).
_QUIET = {"healthz", "readyz", "metrics", "static", "vendor"}


def _allowed(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _metrics_view():
    """Prometheus text format, only for the addresses in METRICS_ALLOW."""
    allowed = current_app.config.get("METRICS_ALLOW") or ()
    # Both the client (as the trusted proxies report it) and the machine actually connected must be allowed:
    # a forged X-Forwarded-For sent straight to a node cannot open the metrics.
    peers = {request.remote_addr, request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR",
                                                                                        request.remote_addr)}
    if not all(_allowed(peer, allowed) for peer in peers):
        return problem(403, "Không có quyền", "Chỉ các địa chỉ trong METRICS_ALLOW mới xem được số liệu giám sát.",
                       slug="forbidden")
    return metrics.current().render()


def _document(view, summary: str, description: str, *, produces: str | None = None, errors=()):
    """Attach the OpenAPI declaration the spec builder reads (these routes live outside /api/v1)."""
    view.api_doc = EndpointDoc(rule=PUBLIC, summary=summary, produces=produces, errors=tuple(errors),
                               description=description)
    return view


def init_app(app: Flask, queue_depth) -> None:
    """Logging, request ids, proxy headers, metrics and the three operational endpoints.

    ``queue_depth`` returns ``{"pending": n, "scheduled": m}`` for the metrics (the job port provides it).
    """
    cfg = app.config
    logs.configure(cfg.get("LOG_FORMAT", "json"), cfg.get("LOG_LEVEL", "info"))
    proxies = int(cfg.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Believe exactly that many hops: request.remote_addr becomes the client (login limits, metrics
        # allow-list), and https/host come from the proxy, so links and secure cookies are right.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    collector = metrics.init_app(app, queue_depth)

    @app.before_request
    def _begin():
        g.lms_request_id_token = logs.set_request_id(logs.accept_request_id(request.headers.get("X-Request-ID")))
        g.lms_request_started = time.perf_counter()
        collector.start()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = logs.current_request_id()
        collector.observe(response)
        started = g.pop("lms_request_started", None)
        if started is not None and not (request.endpoint in _QUIET and response.status_code < 400):
            # The URL rule rather than the path and no query string: no ids of people or tokens in the log.
            rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
            log.info("%s %s %s", request.method, rule, response.status_code,
                     extra={"method": request.method, "route": rule, "status": response.status_code,
                            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return response

    @app.teardown_request
    def _forget(exc):
        token = g.pop("lms_request_id_token", None)
        if token is not None:
            try:
                logs.reset_request_id(token)
            except ValueError:  # reset from another context (streamed responses); nothing leaks across requests
                pass

    app.add_url_rule("/healthz", "healthz", _document(
        health.healthz, "Liveness: the process answers",
        "Always 200 while the process serves requests; touches no dependency. No authentication."))
    app.add_url_rule("/readyz", "readyz", _document(
        health.readyz, "Readiness: database, job queue and object storage answer",
        "200 with each check's time, or 503 (problem+json) whose `failing` lists the unreachable parts. "
        "No authentication; a load balancer should route only to ready nodes.", errors=(503,)))
    app.add_url_rule("/metrics", "metrics", _document(
        _metrics_view, "Prometheus metrics",
        "Request counts and latency by route and status, job queue depth. Text exposition format; only "
        "served to the addresses in METRICS_ALLOW (403 otherwise).", produces="text/plain", errors=(403,)))
