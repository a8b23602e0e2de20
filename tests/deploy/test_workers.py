"""``flask worker`` processes sharing the embedded queue file: each minute's periodic jobs are enqueued once,
and a ``--no-periodic`` worker never schedules them."""
from __future__ import annotations

import json
import os
import time

import pytest

from tests.deploy import servers

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs in the SQLite pass")


def _ticks(path):
    found = {}
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"tick"' in line:
            entry = json.loads(line)
            found[entry["tick"]] = entry["claimed"]
    return found


def test_three_workers_on_one_queue_file_enqueue_each_tick_once(tmp_path):
    env = servers.app_env(LMS_DATA_DIR=tmp_path / "data", SECRET_KEY="w" * 40, LOG_FORMAT="json")
    servers.flask(env, "db", "upgrade")
    logs = {name: tmp_path / f"{name}.log" for name in ("quiet", "one", "two")}
    procs = [servers.worker(env, logs["quiet"], "--no-periodic"), servers.worker(env, logs["one"]),
             servers.worker(env, logs["two"])]
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            one, two = _ticks(logs["one"]), _ticks(logs["two"])
            if set(one) & set(two):
                break
            time.sleep(0.5)
    finally:
        servers.stop(*procs)
    shared = set(one) & set(two)
    assert shared, (one, two)
    for tick in shared:
        assert [one[tick], two[tick]].count(True) == 1, tick
    assert _ticks(logs["quiet"]) == {}
    assert "no periodic jobs" in logs["quiet"].read_text()
