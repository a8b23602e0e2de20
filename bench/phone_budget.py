"""Page budgets for a student on a cheap phone over slow 3G: what a 390x844 screen receives and when.

Drives Debian's Chromium through Playwright with the network throttled by the DevTools protocol
(``Network.emulateNetworkConditions``) and measures, for the demo student (``flask seed-demo``):

* exam take page: time until the first question is on screen, and bytes transferred;
* lecture page: time until the title, the description and the poster image are shown (before anyone presses
  play), and bytes transferred by then;
* library page: bytes transferred until the network is quiet.

Each page is measured with an empty browser cache (``cold``: the first visit after login) and again straight
after (``warm``: what a returning student pays). Sizes are ``encodedDataLength`` from the protocol: bytes on the
wire, headers included.

Run it against a fresh demo server it starts itself (temp data dir, gunicorn + worker)::

    /work/main/.venv/bin/python bench/phone_budget.py            # prints a table and JSON
    /work/main/.venv/bin/python bench/phone_budget.py --url http://127.0.0.1:5000   # an existing demo server

The network profile is Chrome DevTools' "Slow 3G" throughput (500 kbit/s × 0.8 = 400 kbit/s down and up) with a
400 ms round trip, the profile the issue's budgets are written for; ``--latency 2000`` reproduces DevTools'
per-request latency (400 ms × 5) for comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=vi-VN"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}
#: DevTools' Slow 3G throughput: 500 kbit/s with its 0.8 goodput factor, in bytes per second.
SLOW_3G_BYTES_PER_S = 500 * 1000 / 8 * 0.8
SLOW_3G_RTT_MS = 400
#: The issue's budgets (seconds, bytes).
BUDGETS = {"exam": {"seconds": 5.0, "bytes": 150 * 1024}, "lecture": {"seconds": 5.0, "bytes": 250 * 1024},
           "library": {"bytes": 300 * 1024}}
DEMO_PASSWORD = "hoclieuso2026"
LECTURE_TITLE = "Hàm số bậc nhất và đồ thị"

# Checks evaluated in the page while waiting (page.wait_for_function would need eval, which the CSP forbids).
# "Shown" means readable: the questions are on screen and their formulas typeset (no raw $...$ left).
EXAM_SHOWN = """() => {
  const list = document.getElementById('questions');
  return !!list && list.children.length > 0 && !list.textContent.includes('$');
}"""
LECTURE_SHOWN = """() => {
  const h1 = document.querySelector('h1'), desc = document.querySelector('.description');
  const poster = document.querySelector('.video-poster, video.lecture-video[poster]');
  if (!h1 || !desc || !poster || desc.textContent.includes('$')) return false;
  if (poster.tagName === 'IMG') return poster.complete && poster.naturalWidth > 0;
  // a <video poster> (the page before this bench): the poster's fetch shows in resource timing
  return performance.getEntriesByType('resource').some(e => /thumb/.test(e.name) && e.responseEnd > 0);
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_server(python: Path | None = None, package_origin: bool = False, data_dir: Path | None = None):
    """A fresh demo site (migrated, ``seed-demo``, gunicorn + job worker) in a temp dir (``data_dir``, an empty
    directory the caller made, when a bench needs to reach the site's files); yields its base URL.

    ``package_origin``: the site at ``http://127.0.0.1:P`` serves packages from ``http://localhost:P`` (PACKAGE_ORIGIN).
    """
    venv = Path(python or sys.executable).parent
    data = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="phone-budget-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "S3_ENDPOINT"}}
    env.update(LMS_DATA_DIR=str(data), SECRET_KEY="phone-budget-secret-0123456789-0123456789", PYTHONUNBUFFERED="1")
    flask = [str(venv / "flask"), "--app", "wsgi"]
    procs = []
    log = open(data / "server.log", "w")
    try:
        for step in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run(flask + step, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
        port = _free_port()
        if package_origin:
            env.update(APP_ORIGINS=f"http://127.0.0.1:{port}", PACKAGE_ORIGIN=f"http://localhost:{port}")
        procs.append(subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                       "--threads", "8", "--timeout", "120", "wsgi:app"],
                                      cwd=ROOT, env=env, stdout=log, stderr=log))
        procs.append(subprocess.Popen(flask + ["worker", "--workers", "1"], cwd=ROOT, env=env, stdout=log,
                                      stderr=log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=2)
                break
            except Exception:
                if time.time() > deadline or procs[0].poll() is not None:
                    raise RuntimeError(f"the demo server did not start; see {data / 'server.log'}")
                time.sleep(0.3)
        yield base
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


class Meter:
    """Counts bytes on the wire (CDP ``Network.loadingFinished``) and applies the network profile."""

    def __init__(self, context, page, latency_ms: float, bytes_per_s: float):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.profile = {"offline": False, "latency": latency_ms, "downloadThroughput": bytes_per_s,
                        "uploadThroughput": bytes_per_s}
        self.sizes: dict[str, float] = {}
        self.urls: dict[str, str] = {}
        self.pending: set[str] = set()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))

    def _sent(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        if not event["request"]["url"].startswith("data:"):
            self.pending.add(event["requestId"])

    def _finished(self, event) -> None:
        self.sizes[event["requestId"]] = event.get("encodedDataLength", 0)
        self.pending.discard(event["requestId"])

    def throttle(self, on: bool = True) -> None:
        profile = self.profile if on else {"offline": False, "latency": 0, "downloadThroughput": -1,
                                           "uploadThroughput": -1}
        self.cdp.send("Network.emulateNetworkConditions", profile)

    def reset(self, clear_cache: bool) -> None:
        if clear_cache:
            self.cdp.send("Network.clearBrowserCache")
        self.sizes.clear()
        self.urls.clear()
        self.pending.clear()

    @property
    def total(self) -> int:
        return int(sum(self.sizes.values()))

    def breakdown(self) -> list[tuple[str, int]]:
        rows = [(self.urls.get(rid, rid), int(size)) for rid, size in self.sizes.items()]
        return sorted(rows, key=lambda r: -r[1])


def _wait_for(page, check: str, timeout_s: float) -> float:
    """Seconds from now until ``check`` (a JS arrow function) is true in the page."""
    start = time.monotonic()
    while True:
        try:
            if page.evaluate(check):
                return time.monotonic() - start
        except Exception:  # the page is navigating: its context is being replaced
            pass
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"not shown within {timeout_s} s: {check[:60]}")
        time.sleep(0.05)


def _quiet(page, meter: Meter, settle_s: float = 2.0, timeout_s: float = 90) -> None:
    """Wait until nothing is in flight and nothing new started for ``settle_s`` (the page stopped loading)."""
    deadline = time.monotonic() + timeout_s
    last, seen = time.monotonic(), len(meter.urls)
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if meter.pending or len(meter.urls) != seen:
            seen, last = len(meter.urls), time.monotonic()
        elif time.monotonic() - last >= settle_s:
            return


def measure(page, meter: Meter, url: str, shown: str | None, cold: bool, shot: Path | None = None) -> dict:
    """Navigate to ``url`` throttled; seconds until ``shown`` holds, bytes then and once the network is quiet."""
    meter.throttle(False)
    page.goto("about:blank")
    meter.reset(clear_cache=cold)
    meter.throttle(True)
    start = time.monotonic()
    page.goto(url, wait_until="commit", timeout=120_000)
    result: dict = {"url": url, "cache": "cold" if cold else "warm"}
    if shown:
        _wait_for(page, shown, 60)
        result["seconds"] = round(time.monotonic() - start, 2)
        result["bytes_when_shown"] = meter.total
    _quiet(page, meter)
    result["bytes"] = meter.total
    result["top"] = [(re.sub(r"^https?://[^/]+", "", u)[:90], b) for u, b in meter.breakdown()[:8]]
    meter.throttle(False)
    if shot:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        result["screenshot"] = str(shot)
    return result


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dashboard")


@contextmanager
def student_phone(base: str, latency_ms: float, args: list[str] | None = None):
    """Debian's Chromium as the demo student on the phone viewport, signed in at full speed; yields
    ``(page, meter)``, the meter ready to throttle each measured load to slow 3G."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args or CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            _login(page, base, "student")
            yield page, Meter(context, page, latency_ms, SLOW_3G_BYTES_PER_S)
        finally:
            context.close()
            browser.close()


def _demo_urls(page, base: str, timeout_s: float = 180) -> dict:
    """The demo lecture (once its video is ready) and the demo exam's take page, found as the student sees them."""
    deadline = time.monotonic() + timeout_s
    page.goto(base + "/lectures")
    link = page.get_by_role("link", name=LECTURE_TITLE, exact=True).first
    lecture = base + link.get_attribute("href").split("?")[0]
    while True:
        page.goto(lecture)
        if page.locator("[data-hls]").count():
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the demo video did not finish processing")
        time.sleep(2)
    page.goto(base + "/exams/")
    # The card links the instructions screen (/start) or, for a running attempt, the paper (/take).
    href = re.search(r'href="(/exams/\d+)/(?:take|start)"', page.content())
    if not href:
        raise RuntimeError("the demo student has no exam to take")
    return {"library": base + "/lectures", "lecture": lecture, "exam": base + href.group(1) + "/take"}


def run(base: str, latency_ms: float = SLOW_3G_RTT_MS, bytes_per_s: float = SLOW_3G_BYTES_PER_S,
        shots: Path | None = None, browser=None) -> dict:
    """Measure the three pages cold and warm for the demo student on ``base``; returns the numbers.

    ``browser`` is a Playwright Chromium already running (the e2e tests pass theirs); else one is started.
    """
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return run(base, latency_ms, bytes_per_s, shots, own)
            finally:
                own.close()
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        _login(page, base, "student")
        urls = _demo_urls(page, base)
        meter = Meter(context, page, latency_ms, bytes_per_s)
        results = {}
        for name, shown in (("exam", EXAM_SHOWN), ("lecture", LECTURE_SHOWN), ("library", None)):
            results[name] = [measure(page, meter, urls[name], shown, cold=True,
                                     shot=shots / f"{name}.png" if shots else None),
                             measure(page, meter, urls[name], shown, cold=False)]
    finally:
        context.close()
    return {"profile": {"latency_ms": latency_ms, "down_kbit_s": bytes_per_s * 8 / 1000,
                        "viewport": PHONE["viewport"], "dpr": PHONE["device_scale_factor"]},
            "pages": results}


def verdicts(report: dict) -> list[str]:
    """Budget breaches in ``report`` (cold cache), as readable lines; empty when every budget holds."""
    problems = []
    for name, budget in BUDGETS.items():
        cold = report["pages"][name][0]
        # Everything until the network is quiet: on the lecture page that is all of it before anyone plays.
        size = cold["bytes"]
        if size > budget["bytes"]:
            problems.append(f"{name}: {size / 1024:.0f} KB > {budget['bytes'] / 1024:.0f} KB")
        if "seconds" in budget and cold["seconds"] > budget["seconds"]:
            problems.append(f"{name}: {cold['seconds']} s > {budget['seconds']} s")
    return problems


def _print(report: dict) -> None:
    prof = report["profile"]
    print(f"profile: {prof['down_kbit_s']:.0f} kbit/s, {prof['latency_ms']:.0f} ms latency, "
          f"{prof['viewport']['width']}x{prof['viewport']['height']} @{prof['dpr']}x")
    print(f"{'page':8} {'cache':5} {'shown (s)':>9} {'KB shown':>9} {'KB total':>9}")
    for name, runs in report["pages"].items():
        for r in runs:
            shown = f"{r['seconds']:.2f}" if "seconds" in r else "–"
            kb_shown = f"{r['bytes_when_shown'] / 1024:.1f}" if "bytes_when_shown" in r else "–"
            print(f"{name:8} {r['cache']:5} {shown:>9} {kb_shown:>9} {r['bytes'] / 1024:>9.1f}")
    for name, runs in report["pages"].items():
        print(f"\n{name} (cold), largest transfers:")
        for url, size in runs[0]["top"]:
            print(f"  {size / 1024:7.1f} KB  {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an existing demo server (default: start a fresh one)")
    parser.add_argument("--latency", type=float, default=SLOW_3G_RTT_MS, help="round-trip latency in ms")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each page (cold visit) in this folder")
    args = parser.parse_args(argv)
    if args.url:
        report = run(args.url.rstrip("/"), args.latency, shots=args.shots)
    else:
        with demo_server() as base:
            report = run(base, args.latency, shots=args.shots)
    _print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    problems = verdicts(report)
    print("\nbudgets: " + ("all met" if not problems else "; ".join(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
