"""The e-textbook reader on a student's phone over slow 3G: time and bytes until a page of a PDF is on screen.

Same profile and machinery as ``bench/phone_budget.py`` (Chromium via Playwright, 390x844 at 2x, CDP
``Network.emulateNetworkConditions`` at 400 kbit/s down and up with a 400 ms round trip; bytes are
``encodedDataLength``, headers included). A fresh demo site is started; the demo teacher uploads one textbook-like
PDF twice (``tests/pdfs.py``: PAGES pages, each a few lines of text and an incompressible picture, each page's
objects together as an office suite writes them) into one lecture. Processing makes the reader copy of each (object
streams, ``media.processing.pdfs``); the copy of the second is then deleted from the site's storage, so its reader
loads the original (what the reader does without qpdf).

For each of the two, the demo student opens the reader:

* **first visit**, empty cache: until page 1 is drawn on the canvas (``#reader[data-rendered="1"]``);
* **return visit**, cache kept, after the student's remembered page was set to RETURN_PAGE: until that page is drawn.

And the baseline, what the lecture page offered before the reader: the whole PDF through its download link.

Run::

    /work/main/.venv/bin/python bench/reader_bench.py [--pages 60] [--latency 400] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.phone_budget import (  # noqa: E402
    SLOW_3G_BYTES_PER_S, SLOW_3G_RTT_MS, Meter, _quiet, _wait_for, demo_server, student_phone,
)
from bench.package_player_bench import _token, _upload  # noqa: E402
from tests.pdfs import make_text_pdf  # noqa: E402

#: Bytes of picture per page: a scanned or illustrated textbook page.
PICTURE_BYTES = 50_000
RETURN_PAGE = 30


def prepare(base: str, data_dir: Path, pages: int) -> dict:
    """Upload the book twice into one school-visible lecture; drop the second one's reader copy."""
    book = make_text_pdf([f"Trang {n}\nBai doc so {n}\nSach giao khoa thu nghiem" for n in range(1, pages + 1)],
                         picture_bytes=PICTURE_BYTES)
    token = _token(base, "teacher")
    copied = _upload(base, token, book, "sach-ban-doc.pdf")
    original = _upload(base, token, book, "sach-goc.pdf")
    copy = data_dir / "objects" / "data" / "assets" / str(original) / "reader" / "document.pdf"
    if not copy.is_file():
        raise RuntimeError(f"no reader copy at {copy}: is qpdf installed?")
    copy.unlink()
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(base + "/api/v1/lectures", headers=headers, timeout=30, json={
        "title": "Sách giáo khoa trên điện thoại", "subject": "toan", "grade": 10, "visibility": "school",
        "media_ids": [copied, original]})
    resp.raise_for_status()
    lecture_id = resp.json()["id"]
    requests.post(f"{base}/api/v1/lectures/{lecture_id}/submit", headers=headers, timeout=30).raise_for_status()
    return {"lecture_id": lecture_id, "size": len(book), "ids": {"reader copy": copied, "original": original}}


def _remember(base: str, lecture_id: int, media_id: int, page: int) -> None:
    token = _token(base, "student")
    resp = requests.put(f"{base}/api/v1/lectures/{lecture_id}/progress", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}, json={"media_id": media_id, "position_s": page})
    resp.raise_for_status()


def measure(page, meter: Meter, url: str, number: int, cold: bool) -> dict:
    """Seconds until page ``number`` is drawn, bytes by then and once the network is quiet."""
    meter.throttle(False)
    page.goto("about:blank")
    meter.reset(clear_cache=cold)
    meter.throttle(True)
    start = time.monotonic()
    page.goto(url, wait_until="commit", timeout=120_000)
    _wait_for(page, f"() => document.querySelector('#reader')?.dataset.rendered === '{number}'", 180)
    result = {"visit": "first" if cold else "return", "page": number,
              "seconds": round(time.monotonic() - start, 2), "bytes_when_shown": meter.total}
    _quiet(page, meter)
    result["bytes"] = meter.total
    result["pdf_requests"] = sum(1 for u in meter.urls.values() if "/o/" in u)
    result["top"] = [(re.sub(r"^https?://[^/]+", "", u)[:90], b) for u, b in meter.breakdown()[:6]]
    meter.throttle(False)
    return result


def whole_download(page, meter: Meter, base: str, media_id: int) -> dict:
    """The baseline: the whole PDF through the download link (the lecture page before the reader)."""
    meter.throttle(False)
    page.goto(base + "/dashboard")
    meter.reset(clear_cache=True)
    meter.throttle(True)
    start = time.monotonic()
    size = page.evaluate(f"""async () => {{
        const r = await fetch('/api/v1/media/{media_id}/file');
        return (await r.arrayBuffer()).byteLength; }}""")
    result = {"seconds": round(time.monotonic() - start, 2), "pdf_bytes": size}
    _quiet(page, meter)
    result["bytes"] = meter.total
    meter.throttle(False)
    return result


def run(base: str, data_dir: Path, latency_ms: float, pages: int) -> dict:
    site = prepare(base, data_dir, pages)
    lecture_id = site["lecture_id"]
    with student_phone(base, latency_ms) as (page, meter):
        results = {}
        for name, media_id in site["ids"].items():
            url = f"{base}/lectures/{lecture_id}/documents/{media_id}"
            first = measure(page, meter, url, 1, cold=True)
            _remember(base, lecture_id, media_id, RETURN_PAGE)
            results[name] = [first, measure(page, meter, url, RETURN_PAGE, cold=False)]
        download = whole_download(page, meter, base, site["ids"]["original"])
    return {"profile": {"latency_ms": latency_ms, "down_kbit_s": SLOW_3G_BYTES_PER_S * 8 / 1000},
            "pdf": {"pages": pages, "bytes": site["size"]}, "readers": results, "download": download}


def _print(report: dict) -> None:
    prof, pdf = report["profile"], report["pdf"]
    print(f"profile: {prof['down_kbit_s']:.0f} kbit/s, {prof['latency_ms']:.0f} ms latency, 390x844 @2x; "
          f"PDF: {pdf['pages']} pages, {pdf['bytes'] / 1024:.0f} KB")
    print(f"{'reader loads':12} {'visit':6} {'page':>4} {'shown (s)':>9} {'KB shown':>9} {'KB total':>9} "
          f"{'PDF reqs':>8}")
    for name, runs in report["readers"].items():
        for r in runs:
            print(f"{name:12} {r['visit']:6} {r['page']:>4} {r['seconds']:>9.2f} {r['bytes_when_shown'] / 1024:>9.1f} "
                  f"{r['bytes'] / 1024:>9.1f} {r['pdf_requests']:>8}")
    d = report["download"]
    print(f"whole PDF by the download link: {d['seconds']:.2f} s, {d['bytes'] / 1024:.1f} KB")
    for name, runs in report["readers"].items():
        print(f"\n{name} (first visit), largest transfers:")
        for url, size in runs[0]["top"]:
            print(f"  {size / 1024:7.1f} KB  {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60, help="pages of the generated book (at least 30)")
    parser.add_argument("--latency", type=float, default=SLOW_3G_RTT_MS, help="round-trip latency in ms")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reader-bench-", ignore_cleanup_errors=True) as tmp:
        data_dir = Path(tmp)
        with demo_server(data_dir=data_dir) as base:
            report = run(base, data_dir, args.latency, max(RETURN_PAGE, args.pages))
    _print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
