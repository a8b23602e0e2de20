"""The interactive package player on a student's phone over slow 3G: bytes and time until the package is usable.

Same profile and machinery as ``bench/phone_budget.py`` (Chromium via Playwright, 390x844 at 2x, CDP
``Network.emulateNetworkConditions`` at 400 kbit/s down and up with a 400 ms round trip; bytes are
``encodedDataLength``, headers included). A fresh demo site is started; the demo teacher uploads three packages
(the HTML5 pendulum simulation and the SCORM 1.2 lesson of ``tests/media/packages.py``, the real public H5P
True/False package of ``tests/media/fixtures``) into one lecture, and the demo student opens each player page
with an empty cache (cold) and again (warm). "Usable" means, inside the sandboxed frame:

* HTML5: the simulation says it is ready (``#status`` "sẵn sàng");
* SCORM: the lesson found the SCORM API, read its state and shows its page ("Trang 1/3");
* H5P: h5p-standalone rendered the question ("Is this false?").

``--package-origin`` serves the packages from their own host (``PACKAGE_ORIGIN=http://localhost:P`` for the site
at ``http://127.0.0.1:P``), where the frame keeps a real origin and so a browser cache between visits.

Run::

    /work/main/.venv/bin/python bench/package_player_bench.py [--package-origin] [--latency 400] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.phone_budget import (  # noqa: E402
    CHROMIUM_ARGS, DEMO_PASSWORD, SLOW_3G_BYTES_PER_S, SLOW_3G_RTT_MS, Meter, _quiet, demo_server, student_phone,
)
from tests.media import packages  # noqa: E402

#: Chromium runs a sandboxed frame (IsolateSandboxedIframes), and a frame of another site (site isolation), in a
#: process of its own, where the page's CDP session neither sees nor throttles its requests. Kept in the page's
#: process, the package's own files are counted and slowed like the rest; the network profile is what matters
#: here, not the process layout.
BROWSER_ARGS = CHROMIUM_ARGS + ["--disable-features=IsolateSandboxedIframes", "--disable-site-isolation-trials"]

#: (name, builder, file name, what "usable" looks like inside the frame: selector and text).
PACKAGES = [
    ("html5", packages.html5_sim, "con-lac.zip", ("#status", "sẵn sàng")),
    ("scorm12", packages.scorm12_runtime, "phan-so.zip", ("#page", "Trang 1/3")),
    ("h5p", packages.h5p_true_false, "dung-sai.h5p", ("body", "Is this false?")),
]


def _token(base: str, username: str) -> str:
    resp = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                         timeout=30)
    resp.raise_for_status()
    return resp.json()["token"]


def _upload(base: str, token: str, data: bytes, name: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(base + "/api/v1/media", files={"file": (name, data, "application/zip")}, headers=headers,
                         timeout=120)
    resp.raise_for_status()
    asset_id = resp.json()["id"]
    deadline = time.time() + 120
    while True:
        body = requests.get(f"{base}/api/v1/media/{asset_id}", headers=headers, timeout=30).json()
        if body["status"] == "ready":
            return asset_id
        if body["status"] == "failed" or time.time() > deadline:
            raise RuntimeError(f"{name}: {body}")
        time.sleep(0.5)


def prepare(base: str) -> dict[str, str]:
    """Upload the packages into one school-visible lecture; the player page URL of each."""
    token = _token(base, "teacher")
    ids = {name: _upload(base, token, builder(), filename) for name, builder, filename, _ in PACKAGES}
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(base + "/api/v1/lectures", headers=headers, timeout=30, json={
        "title": "Gói tương tác trên điện thoại", "subject": "toan", "grade": 10, "visibility": "school",
        "media_ids": list(ids.values())})
    resp.raise_for_status()
    lecture_id = resp.json()["id"]
    requests.post(f"{base}/api/v1/lectures/{lecture_id}/submit", headers=headers, timeout=30).raise_for_status()
    return {name: f"{base}/lectures/{lecture_id}/packages/{asset_id}" for name, asset_id in ids.items()}


def _usable(page, selector: str, text: str, timeout_s: float = 90) -> None:
    page.frame_locator("#package-frame").locator(selector).filter(has_text=text).first.wait_for(
        timeout=timeout_s * 1000)


def measure(page, meter: Meter, url: str, shown: tuple[str, str], cold: bool) -> dict:
    """Seconds until the package is usable, bytes by then and once the network is quiet."""
    meter.throttle(False)
    page.goto("about:blank")
    meter.reset(clear_cache=cold)
    meter.throttle(True)
    start = time.monotonic()
    page.goto(url, wait_until="commit", timeout=120_000)
    _usable(page, *shown)
    result = {"cache": "cold" if cold else "warm", "seconds": round(time.monotonic() - start, 2),
              "bytes_when_shown": meter.total}
    _quiet(page, meter)
    result["bytes"] = meter.total
    result["requests"] = len(meter.sizes)
    result["top"] = [(re.sub(r"^https?://[^/]+", "", u)[:100], b) for u, b in meter.breakdown()[:10]]
    meter.throttle(False)
    return result


def run(base: str, latency_ms: float) -> dict:
    urls = prepare(base)
    with student_phone(base, latency_ms, BROWSER_ARGS) as (page, meter):
        results = {name: [measure(page, meter, urls[name], shown, cold=True),
                          measure(page, meter, urls[name], shown, cold=False)]
                   for name, _, _, shown in PACKAGES}
    return {"profile": {"latency_ms": latency_ms, "down_kbit_s": SLOW_3G_BYTES_PER_S * 8 / 1000}, "pages": results}


def _print(report: dict) -> None:
    prof = report["profile"]
    print(f"profile: {prof['down_kbit_s']:.0f} kbit/s, {prof['latency_ms']:.0f} ms latency, 390x844 @2x")
    print(f"{'package':8} {'cache':5} {'usable (s)':>10} {'KB usable':>10} {'KB total':>9} {'requests':>8}")
    for name, runs in report["pages"].items():
        for r in runs:
            print(f"{name:8} {r['cache']:5} {r['seconds']:>10.2f} {r['bytes_when_shown'] / 1024:>10.1f} "
                  f"{r['bytes'] / 1024:>9.1f} {r['requests']:>8}")
    for name, runs in report["pages"].items():
        print(f"\n{name} (cold), largest transfers:")
        for url, size in runs[0]["top"]:
            print(f"  {size / 1024:7.1f} KB  {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an existing demo server (default: start a fresh one)")
    parser.add_argument("--latency", type=float, default=SLOW_3G_RTT_MS, help="round-trip latency in ms")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--package-origin", action="store_true",
                        help="serve packages from their own host, PACKAGE_ORIGIN (only with a fresh server)")
    args = parser.parse_args(argv)
    if args.url:
        report = run(args.url.rstrip("/"), args.latency)
    else:
        with demo_server(package_origin=args.package_origin) as base:
            report = run(base, args.latency)
    _print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
