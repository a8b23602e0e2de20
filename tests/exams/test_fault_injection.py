"""The fault-injection run of bench/exam_fault_injection.py as a test: students autosave against real gunicorn
workers and the real job worker while both are SIGKILLed and restarted; no acknowledged answer is lost, every
attempt is auto-submitted after its deadline, each score is in the gradebook once. Takes about two minutes,
so it runs only with LMS_SLOW_TESTS=1 (``make test`` stays fast)::

    LMS_SLOW_TESTS=1 .venv/bin/python -m pytest -q -m slow tests/exams/test_fault_injection.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.db, pytest.mark.timeout(900),
              pytest.mark.skipif(os.environ.get("LMS_SLOW_TESTS") != "1", reason="slow: set LMS_SLOW_TESTS=1")]


def test_no_acknowledged_answer_lost_while_servers_are_killed(tmp_path):
    args = [sys.executable, str(ROOT / "bench" / "exam_fault_injection.py"), "--students", "16", "--minutes", "1",
            "--port", "8796"]
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        args += ["--database-url", pg]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "acknowledged answers lost: 0" in run.stdout and "RESULT: OK" in run.stdout
