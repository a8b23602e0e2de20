"""The issue's budgets for a student on a cheap phone over slow 3G, measured in Chromium with the network
throttled through the DevTools protocol (bench/phone_budget.py does the measuring; this asserts it):
exam take page shows its questions in ≤ 5 s and ≤ 150 KB; lecture page shows title, description and poster in
≤ 5 s and ≤ 250 KB before playback; library page ≤ 300 KB. Screenshots go to test-output/e2e/phone-budget-*.png.
"""
from __future__ import annotations

from pathlib import Path

from bench import phone_budget

OUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"


def test_student_pages_meet_the_slow_3g_budgets(browser, live_server):
    report = phone_budget.run(live_server["url"], browser=browser, shots=OUT / "phone-budget")
    pages = report["pages"]
    summary = {name: (runs[0].get("seconds"), round(runs[0]["bytes"] / 1024, 1)) for name, runs in pages.items()}
    print("cold visits (seconds until shown, KB):", summary)
    assert phone_budget.verdicts(report) == [], summary
    # Nothing of the video, nor the player library, is fetched before play.
    lecture_urls = [url for url, _size in pages["lecture"][0]["top"]]
    assert not any("hls" in url for url in lecture_urls), lecture_urls
    # A returning student re-downloads almost nothing: fingerprinted assets are cached as immutable.
    for name, (cold, warm) in pages.items():
        assert warm["bytes"] < 15 * 1024, (name, warm["bytes"], warm["top"])
