"""gunicorn settings for a web node: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Several worker processes share one /metrics view through PROMETHEUS_MULTIPROC_DIR (emptied at start).
The app writes one JSON line per request with its request id, so gunicorn's own access log stays off, and
gunicorn's own messages (boot, worker restarts, timeouts) are JSON lines too (LOG_FORMAT=text for a terminal).
"""
import os
import shutil

bind = os.environ.get("BIND", "0.0.0.0:5000")
workers = int(os.environ.get("WEB_WORKERS", "4"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 300  # large uploads stream through the request thread
graceful_timeout = 30
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"app": {"()": "lms.core.ops.logs.JsonFormatter" if os.environ.get("LOG_FORMAT", "json") == "json"
                           else "lms.core.ops.logs.TextFormatter"}},
    "filters": {"request_id": {"()": "lms.core.ops.logs.RequestIdFilter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "app", "filters": ["request_id"],
                            "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},  # the app replaces this handler with its own at start
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": [], "propagate": False}},
}

_metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                     os.path.join(os.environ.get("LMS_DATA_DIR", "./instance"), "metrics"))


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from lms.core.ops.metrics import process_exited

    process_exited(worker.pid)
