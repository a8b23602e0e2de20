"""Benchmark: parse a generated 5,000-question Moodle XML bank.

Usage: .venv/bin/python bench/import_moodle_bench.py [--questions 5000]

Builds the file in memory with the Moodle XML writer (a realistic mix of types, Vietnamese text, one small
embedded image every 50 questions), then measures the importer alone: wall-clock seconds and peak Python
memory (tracemalloc) during parse, plus the process's max RSS.
"""
from __future__ import annotations

import argparse
import io
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank.formats import ImageBlob, get_format  # noqa: E402

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 200


def make_item(n: int) -> dict:
    """One question of a rotating type, with text long enough to resemble a real bank."""
    stem = f"<p>Câu {n}. Cho hàm số $y = x^2 - {n % 9 + 1}x + 3$. Trong các khẳng định sau, khẳng định nào đúng " \
           f"về sự biến thiên và đồ thị của hàm số trên tập xác định ℝ?</p>"
    meta = {"topic": f"Toán 10/Chương {n % 7 + 1}", "level": "thong_hieu", "tags": ["hàm số"], "name": f"Câu {n}"}
    kind = n % 6
    images = []
    if n % 50 == 0:
        stem += '<p><img src="cid:do-thi.png"></p>'
        images = [ImageBlob("do-thi.png", "image/png", PNG)]
    if kind == 0:
        body = {"type": "single_choice", "stem": stem, "explanation": "<p>Xét dấu đạo hàm.</p>",
                "options": [{"id": c, "text": f"Phương án {c.upper()} của câu {n}", "correct": c == "b"}
                            for c in "abcd"]}
    elif kind == 1:
        body = {"type": "multiple_choice", "stem": stem,
                "options": [{"id": c, "text": f"Khẳng định {c}", "correct": c in "ac"} for c in "abcd"]}
    elif kind == 2:
        body = {"type": "true_false", "stem": stem, "answer": n % 2 == 0}
    elif kind == 3:
        body = {"type": "short_answer", "stem": stem, "answers": [{"value": -1.5, "tolerance": 0.01}]}
    elif kind == 4:
        body = {"type": "cloze", "stem": "", "text": f"Đỉnh của parabol câu {n} có hoành độ {{{{1}}}} và tung độ {{{{2}}}}.",
                "gaps": [{"id": "1", "answers": ["2"]}, {"id": "2", "answers": ["-1"]}]}
    else:
        body = {"type": "essay", "stem": stem, "rubric": "<p>Lập bảng biến thiên: 1 điểm.</p>"}
    return {"body": body, "meta": meta, "images": images}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5000)
    args = parser.parse_args()
    fmt = get_format("moodle_xml")
    data = fmt.dump([make_item(n) for n in range(1, args.questions + 1)])

    tracemalloc.start()
    started = time.perf_counter()
    result = fmt.parse(io.BytesIO(data))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Parse again without tracemalloc: its bookkeeping slows allocation-heavy code noticeably.
    started = time.perf_counter()
    fmt.parse(io.BytesIO(data))
    untraced = time.perf_counter() - started

    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {platform.processor() or '?'}")
    print(f"file: {args.questions} questions, {len(data) / 1e6:.1f} MB")
    print(f"drafts: {len(result.drafts)}, problems: {len(result.problems)}")
    print(f"parse: {untraced:.2f} s ({seconds:.2f} s under tracemalloc)")
    print(f"peak traced memory during parse: {peak / 1e6:.1f} MB")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if len(result.drafts) != args.questions:
        raise SystemExit("bench failed: not every question was imported")


if __name__ == "__main__":
    main()
