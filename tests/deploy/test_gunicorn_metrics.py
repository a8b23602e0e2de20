"""deploy/gunicorn.conf.py: several worker processes, one /metrics view summing them all; JSON log lines."""
from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request

import pytest

from tests.deploy import servers

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs in the SQLite pass")


def test_metrics_sum_every_gunicorn_worker_process(tmp_path):
    data = tmp_path / "data"
    env = servers.app_env(LMS_DATA_DIR=data, SECRET_KEY="g" * 40, WEB_WORKERS=3, WEB_THREADS=2)
    servers.flask(env, "db", "upgrade")
    port = servers.free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    web = subprocess.Popen([str(servers.VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                           cwd=servers.ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        servers.wait_http(f"http://127.0.0.1:{port}/healthz", web)
        for _ in range(30):  # new connections each time: the kernel spreads them over the 3 processes
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        servers.stop(web)
    counts = re.findall(r'^lms_http_requests_total\{endpoint="/healthz",method="GET",status="200"\} (\S+)$',
                        text, re.M)
    assert counts and float(counts[0]) >= 31  # the wait_http probe plus 30, whichever process served them
    assert 'lms_job_queue_depth{state="pending"} 0.0' in text
    assert (data / "metrics").is_dir() and any((data / "metrics").iterdir())
    # Every line on stderr, gunicorn's own (booting workers, shutdown) and the app's, is one JSON object.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    assert not any(line.get("route") == "/metrics" for line in lines)  # scrapes are not logged line by line
